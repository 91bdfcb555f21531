using System.Globalization;
using EtcdAgent.Etcd;
using EtcdAgent.Output;
using Etcdserverpb;

namespace EtcdAgent.Doctor;

/// <summary>
/// The local member (the one backups come from) has a leader, no alarm, and votes: a backup of a member in trouble
/// is either refused or stale.
/// </summary>
internal sealed class MemberHealthCheck : IDoctorCheck
{
    public string Name => "member role and health";

    public async Task<CheckResult> RunAsync(DoctorContext context, CancellationToken cancellationToken)
    {
        if (context is not { Client: { } client, Settings: { } settings, LocalStatus: { } status })
        {
            return CheckResult.Skipped("etcd is not reachable");
        }

        if (settings.Endpoints.Count != 1)
        {
            return CheckResult.Failed(
                $"{settings.Endpoints.Count} endpoints are configured ({string.Join(",", settings.Endpoints.Select(e => e.Display()))}); " +
                "backups are taken from the local member alone and `run` refuses more",
                "set etcd.endpoints to this node's own member only (kubeadm: https://127.0.0.1:2379)");
        }

        var alarms = await client.ListAlarmsAsync(settings.Endpoints[0], cancellationToken).ConfigureAwait(false);
        return Evaluate(settings.Endpoints[0], status, alarms);
    }

    /// <summary>The verdict on one member's status and the cluster's alarms (pure, for unit tests).</summary>
    internal static CheckResult Evaluate(Uri endpoint, StatusResponse status, IReadOnlyList<AlarmMember> alarms)
    {
        var member = Hex.Id(status.Header.MemberId);
        if (alarms.FirstOrDefault(a => a.Alarm == AlarmType.Corrupt) is { } corrupt)
        {
            return CheckResult.Failed($"CORRUPT alarm on member {Hex.Id(corrupt.MemberID)}: its data differs from the others'",
                "do not back up or restore from that member: remove it and add it back empty (etcdctl member remove/add) so it " +
                "resyncs from the leader, then etcdctl alarm disarm");
        }

        if (alarms.FirstOrDefault(a => a.Alarm == AlarmType.Nospace) is { } nospace)
        {
            return CheckResult.Failed($"NOSPACE alarm on member {Hex.Id(nospace.MemberID)}: etcd accepts no writes (db {ByteSize.Format(status.DbSize)})",
                "compact and defragment (etcdctl compact REV; etcdctl defrag), raise --quota-backend-bytes if the data " +
                "really grew, then etcdctl alarm disarm");
        }

        if (status.Errors.Count > 0)
        {
            return CheckResult.Failed($"member {member} reports: {string.Join("; ", status.Errors)}",
                "look at that member's etcd log (journalctl -u etcd, or the etcd pod's log) and fix what it reports");
        }

        if (status.Leader == 0)
        {
            return CheckResult.Failed($"member {member} at {endpoint.Display()} has no leader: the cluster has lost quorum",
                "start the stopped members (etcd-agent endpoint status --cluster shows which); with too few left, this is " +
                "a disaster recovery: etcd-agent restore");
        }

        var term = status.RaftTerm.ToString(CultureInfo.InvariantCulture);
        if (status.IsLearner)
        {
            return CheckResult.Warning($"member {member} is a learner (raft term {term}): it may lag the cluster",
                "promote it (etcdctl member promote ID) once it caught up, or point etcd.endpoints at a voting member");
        }

        var role = status.Leader == status.Header.MemberId ? "leader" : "follower";
        return CheckResult.Passed($"member {member} is a {role}, raft term {term}, db {ByteSize.Format(status.DbSize)}, no alarms");
    }
}

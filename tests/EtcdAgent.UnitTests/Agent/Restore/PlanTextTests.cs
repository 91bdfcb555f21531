using EtcdAgent.Restore;
using EtcdAgent.Restore.Topology;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Restore;

/// <summary>
/// The plan names the snapshot it restores; a point-in-time build is this node's own file, so the other members of
/// an HA restore are told to restore a copy of it (a build of their own would not have the same bytes).
/// </summary>
public sealed class PlanTextTests
{
    private const string BackupId = "20261201T100000Z-cp1-r100";

    private static RestorePlan Plan(string? pointInTime)
    {
        var journal = JournalSamples.Journal("/tmp/plan-test", new TopologySpec("explicit", null, null, "stop", "start")) with
        {
            InitialCluster = "m1=http://127.0.0.1:1,m2=http://127.0.0.1:2",
            BackupId = BackupId,
            SnapshotSha256 = "ab",
        };
        var snapshot = new FetchedSnapshot("/var/lib/etcd-agent/restore/r1/snapshot.db", "ab", 1000, 140, 5, "3.5.17", BackupId,
            DateTimeOffset.UnixEpoch, null, InWorkDir: true, pointInTime);
        return new RestorePlan(journal, new CommandTopology("explicit", journal.Member, "stop", "start", new ShellRunner(TimeSpan.FromSeconds(1))),
            new RestoreTool("/usr/bin/etcdutl", "etcdutl", new Version(3, 5, 17), true), snapshot, [], HasOldMember: true);
    }

    [Fact]
    public void APointInTimePlanNamesThePointAndHandsTheOtherMembersTheFile()
    {
        var plan = Plan($"revision 140 of backup {BackupId}'s chain (received at 2026-12-01T10:02:20.000Z)");
        using var text = new StringWriter();
        PlanText.Write(text, plan);

        Assert.Contains($"point in time: revision 140 of backup {BackupId}'s chain (received at 2026-12-01T10:02:20.000Z), built into {plan.Snapshot.Path}",
            text.ToString(), StringComparison.Ordinal);
        Assert.Contains($"copy {plan.Snapshot.Path} to the same path on each node first", text.ToString(), StringComparison.Ordinal);
        var (name, command) = Assert.Single(PlanText.OtherMemberCommands(plan));
        Assert.Equal("m2", name);
        Assert.StartsWith($"etcd-agent restore --snapshot {plan.Snapshot.Path} --snapshot-sha256 ab ", command, StringComparison.Ordinal);
    }

    [Fact]
    public void ABackupPlanHandsTheOtherMembersTheBackupId()
    {
        var plan = Plan(pointInTime: null);
        using var text = new StringWriter();
        PlanText.Write(text, plan);

        Assert.Contains($"snapshot:       {BackupId} (taken", text.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("copy ", text.ToString(), StringComparison.Ordinal);
        Assert.StartsWith($"etcd-agent restore --snapshot {BackupId} ", Assert.Single(PlanText.OtherMemberCommands(plan)).Command, StringComparison.Ordinal);
    }
}

using Etcdserverpb;

namespace EtcdAgent.Protocol.Etcd;

public sealed partial class EtcdClient
{
    /// <summary>Maintenance Status of one member (no failover: the answer is about that member).</summary>
    public Task<StatusResponse> StatusAsync(Uri endpoint, CancellationToken cancellationToken = default) =>
        CallOnEndpointAsync(endpoint, "Maintenance.Status",
            (etcd, h, d, ct) => etcd.StatusAsync(new StatusRequest(), h, d, ct), cancellationToken);

    /// <summary>Maintenance Alarm (GET lists the cluster's alarms; ACTIVATE/DEACTIVATE set a state, so a resend is harmless).</summary>
    public Task<AlarmResponse> AlarmAsync(AlarmRequest request, CancellationToken cancellationToken = default) =>
        CallAsync("Maintenance.Alarm", idempotent: true, (etcd, h, d, ct) => etcd.AlarmAsync(request, h, d, ct), cancellationToken);

    /// <summary>Lists the cluster's active alarms as one member sees them.</summary>
    public async Task<IReadOnlyList<AlarmMember>> ListAlarmsAsync(Uri endpoint, CancellationToken cancellationToken = default)
    {
        var request = new AlarmRequest { Action = AlarmRequest.Types.AlarmAction.Get };
        var response = await CallOnEndpointAsync(endpoint, "Maintenance.Alarm",
            (etcd, h, d, ct) => etcd.AlarmAsync(request, h, d, ct), cancellationToken).ConfigureAwait(false);
        return response.Alarms;
    }

    /// <summary>Lists active alarms (NOSPACE, CORRUPT) of every member.</summary>
    public async Task<IReadOnlyList<AlarmMember>> ListAlarmsAsync(CancellationToken cancellationToken = default)
    {
        var response = await AlarmAsync(new AlarmRequest { Action = AlarmRequest.Types.AlarmAction.Get },
            cancellationToken).ConfigureAwait(false);
        return response.Alarms;
    }

    /// <summary>Maintenance Defragment of one member. Blocks that member's writes while it runs.</summary>
    public Task<DefragmentResponse> DefragmentAsync(Uri endpoint, CancellationToken cancellationToken = default) =>
        CallOnEndpointAsync(endpoint, "Maintenance.Defragment",
            (etcd, h, d, ct) => etcd.DefragmentAsync(new DefragmentRequest(), h, d, ct), cancellationToken);

    /// <summary>Maintenance HashKV of one member at <paramref name="revision"/> (0 = latest).</summary>
    public Task<HashKVResponse> HashKVAsync(Uri endpoint, long revision = 0, CancellationToken cancellationToken = default) =>
        CallOnEndpointAsync(endpoint, "Maintenance.HashKV",
            (etcd, h, d, ct) => etcd.HashKVAsync(new HashKVRequest { Revision = revision }, h, d, ct), cancellationToken);
}

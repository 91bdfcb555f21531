using Etcdserverpb;

namespace EtcdAgent.Protocol.Etcd;

public sealed partial class EtcdClient
{
    /// <summary>Cluster MemberList (linearizable on 3.5+; 3.4 ignores the flag).</summary>
    public Task<MemberListResponse> MemberListAsync(CancellationToken cancellationToken = default) =>
        CallAsync("Cluster.MemberList", idempotent: true,
            (etcd, h, d, ct) => etcd.MemberListAsync(new MemberListRequest { Linearizable = true }, h, d, ct), cancellationToken);
}

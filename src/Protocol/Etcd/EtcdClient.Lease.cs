using Etcdserverpb;

namespace EtcdAgent.Protocol.Etcd;

public sealed partial class EtcdClient
{
    /// <summary>Lease Grant (not idempotent: a resend would create a second lease).</summary>
    public Task<LeaseGrantResponse> LeaseGrantAsync(long ttlSeconds, CancellationToken cancellationToken = default) =>
        CallAsync("Lease.LeaseGrant", idempotent: false,
            (etcd, h, d, ct) => etcd.LeaseGrantAsync(new LeaseGrantRequest { TTL = ttlSeconds }, h, d, ct), cancellationToken);

    /// <summary>
    /// Lease Grant of a chosen id (a replay recreates the original's leases under their own ids); fails when a
    /// lease with that id exists.
    /// </summary>
    public Task<LeaseGrantResponse> LeaseGrantAsync(long ttlSeconds, long id, CancellationToken cancellationToken) =>
        CallAsync("Lease.LeaseGrant", idempotent: false,
            (etcd, h, d, ct) => etcd.LeaseGrantAsync(new LeaseGrantRequest { TTL = ttlSeconds, ID = id }, h, d, ct), cancellationToken);

    /// <summary>Lease Leases: the ids of every lease the member holds.</summary>
    public Task<LeaseLeasesResponse> LeaseLeasesAsync(CancellationToken cancellationToken = default) =>
        CallAsync("Lease.LeaseLeases", idempotent: true,
            (etcd, h, d, ct) => etcd.LeaseLeasesAsync(new LeaseLeasesRequest(), h, d, ct), cancellationToken);

    /// <summary>Lease Revoke; deletes every key attached to the lease. Revoking twice ends in the same state.</summary>
    public Task<LeaseRevokeResponse> LeaseRevokeAsync(long leaseId, CancellationToken cancellationToken = default) =>
        CallAsync("Lease.LeaseRevoke", idempotent: true,
            (etcd, h, d, ct) => etcd.LeaseRevokeAsync(new LeaseRevokeRequest { ID = leaseId }, h, d, ct), cancellationToken);

    /// <summary>Lease TimeToLive (TTL -1: the lease does not exist).</summary>
    public Task<LeaseTimeToLiveResponse> LeaseTimeToLiveAsync(long leaseId, bool keys = false,
        CancellationToken cancellationToken = default) =>
        CallAsync("Lease.LeaseTimeToLive", idempotent: true,
            (etcd, h, d, ct) => etcd.LeaseTimeToLiveAsync(new LeaseTimeToLiveRequest { ID = leaseId, Keys = keys }, h, d, ct),
            cancellationToken);

    /// <summary>
    /// Keeps <paramref name="leaseId"/> alive over a LeaseKeepAlive stream until the returned object is disposed
    /// or the lease is lost (see <see cref="LeaseKeepAlive.Lost"/>).
    /// </summary>
    public LeaseKeepAlive KeepAlive(long leaseId, TimeSpan ttl) => new(this, leaseId, ttl, _timeProvider, _logger);
}

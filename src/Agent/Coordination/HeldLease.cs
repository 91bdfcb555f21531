using EtcdAgent.Protocol.Etcd;

namespace EtcdAgent.Coordination;

/// <summary>
/// A lease a lock key is attached to, renewed until disposal revokes it (best effort: an unrevoked lease expires within
/// its TTL). Both locks hold one: the tick lock for a run, the stream lock for as long as this agent captures.
/// </summary>
internal sealed class HeldLease : IAsyncDisposable
{
    private readonly EtcdClient _client;
    private readonly LeaseKeepAlive _keepAlive;
    private bool _released;

    public HeldLease(EtcdClient client, long leaseId, TimeSpan ttl)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        LeaseId = leaseId;
        _keepAlive = client.KeepAlive(leaseId, ttl);
    }

    public long LeaseId { get; }

    /// <summary>Completes with a reason when the lease is lost (etcd unreachable past the TTL): another agent may take over.</summary>
    public Task<string> Lost => _keepAlive.Lost;

    public async ValueTask DisposeAsync()
    {
        if (_released)
        {
            return;
        }

        _released = true;
        await _keepAlive.DisposeAsync().ConfigureAwait(false);
        await ClusterLock.RevokeQuietlyAsync(_client, LeaseId).ConfigureAwait(false);
    }
}

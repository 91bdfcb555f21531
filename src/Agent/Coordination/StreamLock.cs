using System.Globalization;
using System.Text.Json;
using EtcdAgent.Protocol.Etcd;
using Etcdserverpb;
using Google.Protobuf;

namespace EtcdAgent.Coordination;

/// <summary>
/// One continuous writer per cluster: <c>/etcd-agent/&lt;cluster&gt;/stream</c>, created in a Txn only if absent and
/// attached to a lease kept alive for as long as this agent captures. Unlike the tick lock it is held for days; a
/// holder that dies stops renewing and its lease expires within the TTL, and the next agent to ask takes over and
/// resumes the chain from its last committed segment. Two writers overlapping for a moment (a holder that has not yet
/// noticed it lost the lease) write the same revisions twice, which a chain tolerates.
/// </summary>
internal static class StreamLock
{
    public static string Key(string cluster) => $"/etcd-agent/{cluster}/stream";

    /// <summary>The lock, or who holds it.</summary>
    public static async Task<(HeldLease? Handle, string? Holder)> TryAcquireAsync(EtcdClient client, string cluster, string node,
        DateTimeOffset now, TimeSpan ttl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var lease = await client.LeaseGrantAsync((long)Math.Ceiling(ttl.TotalSeconds), cancellationToken).ConfigureAwait(false);
        var holder = new LockHolder(node, Environment.ProcessId, now.UtcDateTime.ToString("o", CultureInfo.InvariantCulture));
        var key = ByteString.CopyFromUtf8(Key(cluster));
        var txn = new TxnRequest
        {
            Compare = { new Compare { Key = key, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 } },
            Success = { new RequestOp { RequestPut = new PutRequest { Key = key, Value = ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(holder, LockJsonContext.Default.LockHolder)), Lease = lease.ID } } },
            Failure = { new RequestOp { RequestRange = new RangeRequest { Key = key } } },
        };

        TxnResponse response;
        try
        {
            response = await client.TxnAsync(txn, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await ClusterLock.RevokeQuietlyAsync(client, lease.ID).ConfigureAwait(false);
            throw;
        }

        if (response.Succeeded)
        {
            return (new HeldLease(client, lease.ID, ttl), null);
        }

        await ClusterLock.RevokeQuietlyAsync(client, lease.ID).ConfigureAwait(false);
        var current = response.Responses[0].ResponseRange.Kvs.FirstOrDefault();
        return (null, current is null ? "(released meanwhile)" : ClusterLock.Describe(current.Value));
    }
}

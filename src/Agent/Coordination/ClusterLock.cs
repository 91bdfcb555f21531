using System.Globalization;
using System.Text.Json;
using EtcdAgent.Diagnostics;
using EtcdAgent.Protocol.Etcd;
using Etcdserverpb;
using Google.Protobuf;

namespace EtcdAgent.Coordination;

/// <summary>
/// One writer per cluster and tick. The lock is <c>/etcd-agent/&lt;cluster&gt;/lock</c>, created in a Txn only if
/// absent and attached to a lease kept alive for the whole run; its value names node, pid and the scheduled fire
/// time. <c>/etcd-agent/&lt;cluster&gt;/last-completed</c> records the fire time of the last tick that was served, so
/// an agent that gets the lock after another finished the same tick skips it — deduplication by the schedule's fire
/// time, never by comparing machine clocks. A crashed holder's lease expires and a later tick elects someone else.
/// Whatever fails here, etcd errors included, is the lock stage (<see cref="FailureStage.Lock"/>).
/// </summary>
internal static class ClusterLock
{
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromSeconds(15);

    public static string LockKey(string cluster) => $"/etcd-agent/{cluster}/lock";

    public static string LastCompletedKey(string cluster) => $"/etcd-agent/{cluster}/last-completed";

    /// <summary>Tries to become this tick's writer.</summary>
    public static Task<LockAttempt> TryAcquireAsync(EtcdClient client, string cluster, string node, DateTimeOffset fireTime,
        TimeSpan ttl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        return FailureStages.RunAsync(FailureStage.Lock, () => AcquireAsync(client, cluster, node, fireTime, ttl, cancellationToken));
    }

    private static async Task<LockAttempt> AcquireAsync(EtcdClient client, string cluster, string node, DateTimeOffset fireTime,
        TimeSpan ttl, CancellationToken cancellationToken)
    {
        var lease = await client.LeaseGrantAsync((long)Math.Ceiling(ttl.TotalSeconds), cancellationToken).ConfigureAwait(false);
        var holder = new LockHolder(node, Environment.ProcessId, fireTime.UtcDateTime.ToString("o", CultureInfo.InvariantCulture));
        var txn = new TxnRequest
        {
            Compare = { new Compare { Key = ByteString.CopyFromUtf8(LockKey(cluster)), Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 } },
            Success =
            {
                new RequestOp { RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8(LockKey(cluster)), Value = ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(holder, LockJsonContext.Default.LockHolder)), Lease = lease.ID } },
                new RequestOp { RequestRange = new RangeRequest { Key = ByteString.CopyFromUtf8(LastCompletedKey(cluster)) } },
            },
            Failure = { new RequestOp { RequestRange = new RangeRequest { Key = ByteString.CopyFromUtf8(LockKey(cluster)) } } },
        };

        TxnResponse response;
        try
        {
            response = await client.TxnAsync(txn, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await RevokeQuietlyAsync(client, lease.ID).ConfigureAwait(false);
            throw;
        }

        if (!response.Succeeded)
        {
            await RevokeQuietlyAsync(client, lease.ID).ConfigureAwait(false);
            var current = response.Responses[0].ResponseRange.Kvs.FirstOrDefault();
            return new LockAttempt(LockOutcome.HeldByOther, null, current is null ? "(released meanwhile)" : Describe(current.Value), null);
        }

        var last = response.Responses[1].ResponseRange.Kvs.FirstOrDefault() is { } kv
            && DateTimeOffset.TryParse(kv.Value.ToStringUtf8(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
            ? parsed
            : (DateTimeOffset?)null;
        if (last >= fireTime)
        {
            await RevokeQuietlyAsync(client, lease.ID).ConfigureAwait(false);
            return new LockAttempt(LockOutcome.AlreadyServed, null, null, last);
        }

        return new LockAttempt(LockOutcome.Acquired, new LockHandle(client, cluster, lease.ID, ttl, fireTime), null, last);
    }

    internal static async Task RevokeQuietlyAsync(EtcdClient client, long leaseId)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await client.LeaseRevokeAsync(leaseId, timeout.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Best effort: an unrevoked lease expires by itself within its TTL.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    internal static string Describe(ByteString value)
    {
        try
        {
            var holder = JsonSerializer.Deserialize(value.Span, LockJsonContext.Default.LockHolder);
            return holder is null ? value.ToStringUtf8() : $"{holder.Node} (pid {holder.Pid}, tick {holder.FireTime})";
        }
        catch (JsonException)
        {
            return value.ToStringUtf8();
        }
    }
}

/// <summary>How an attempt ended.</summary>
internal enum LockOutcome
{
    /// <summary>This agent serves the tick.</summary>
    Acquired,

    /// <summary>Another agent holds the lock.</summary>
    HeldByOther,

    /// <summary>Another agent already served this tick (or a later one).</summary>
    AlreadyServed,
}

internal sealed record LockAttempt(LockOutcome Outcome, LockHandle? Handle, string? Holder, DateTimeOffset? LastCompleted);

/// <summary>What the lock key holds.</summary>
internal sealed record LockHolder(string Node, int Pid, string FireTime);

[System.Text.Json.Serialization.JsonSerializable(typeof(LockHolder))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class LockJsonContext : System.Text.Json.Serialization.JsonSerializerContext;

/// <summary>A held lock: its lease is kept alive until <see cref="CompleteAsync"/> or disposal releases it.</summary>
internal sealed class LockHandle(EtcdClient client, string cluster, long leaseId, TimeSpan ttl, DateTimeOffset fireTime) : IAsyncDisposable
{
    private readonly HeldLease _lease = new(client, leaseId, ttl);

    public long LeaseId => _lease.LeaseId;

    /// <summary>Completes with a reason if the lease is lost (etcd unreachable past the TTL): stop writing.</summary>
    public Task<string> Lost => _lease.Lost;

    /// <summary>Records the tick as served (only while this agent still holds the lock), then releases.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        var txn = new TxnRequest
        {
            Compare = { new Compare { Key = ByteString.CopyFromUtf8(ClusterLock.LockKey(cluster)), Target = Compare.Types.CompareTarget.Lease, Result = Compare.Types.CompareResult.Equal, Lease = LeaseId } },
            Success = { new RequestOp { RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8(ClusterLock.LastCompletedKey(cluster)), Value = ByteString.CopyFromUtf8(fireTime.UtcDateTime.ToString("o", CultureInfo.InvariantCulture)) } } },
        };
        var response = await FailureStages.RunAsync(FailureStage.Lock, () => client.TxnAsync(txn, cancellationToken)).ConfigureAwait(false);
        if (!response.Succeeded)
        {
            throw new InvalidOperationException("the cluster lock was lost before the tick could be recorded as served (lease expired?)")
                .At(FailureStage.Lock);
        }

        await DisposeAsync().ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => _lease.DisposeAsync();
}

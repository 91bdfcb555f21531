using EtcdAgent.Protocol.Etcd;
using Etcdserverpb;
using Google.Protobuf;

namespace EtcdAgent.Continuous;

/// <summary>
/// The whole keyspace's write revisions from one member, from a start revision on, one complete revision at a time.
/// etcd sends all events of a revision in one watch response (no fragmenting is asked for), so each response's
/// events, grouped by mod_revision, are whole revisions. A start revision etcd has compacted away ends the watch
/// with <see cref="CompactedException"/>; any other end of the stream is the caller's to retry from the revision
/// after the last one it committed.
/// </summary>
internal static class RevisionWatch
{
    /// <summary>Yields every write revision from <paramref name="startRevision"/> on, stamped with the time it arrived.</summary>
    public static IAsyncEnumerable<RevisionEvents> ReadAsync(EtcdClient client, Uri endpoint, long startRevision, TimeProvider time,
        CancellationToken cancellationToken) => ReadAsync(client, endpoint, startRevision, time, onHead: null, cancellationToken);

    /// <summary>
    /// The same, telling <paramref name="onHead"/> the member's current revision from every response's header (how far
    /// ahead of what was received the cluster is: the capture's lag).
    /// </summary>
    public static async IAsyncEnumerable<RevisionEvents> ReadAsync(EtcdClient client, Uri endpoint, long startRevision, TimeProvider time,
        Action<long>? onHead, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var create = new WatchCreateRequest
        {
            Key = ByteString.CopyFrom(0),
            RangeEnd = ByteString.CopyFrom(0),
            StartRevision = startRevision,
            ProgressNotify = true,
        };
        var expected = startRevision;
        await foreach (var response in client.WatchAsync(endpoint, create, cancellationToken).ConfigureAwait(false))
        {
            if (response.CompactRevision > 0 || (response.Canceled && response.CancelReason.Contains("compacted", StringComparison.OrdinalIgnoreCase)))
            {
                throw new CompactedException(startRevision, response.CompactRevision);
            }

            if (response.Canceled)
            {
                throw new InvalidOperationException($"etcd cancelled the watch: {response.CancelReason}");
            }

            if (response.Header is { } header)
            {
                onHead?.Invoke(header.Revision);
            }

            // Milliseconds, as the segment stores each revision's time: the manifest's first and last receive times are
            // then the same instants as its revisions', and `--at-time` (which finds the segment by the manifest)
            // cannot fall between the two.
            var received = DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());
            foreach (var group in Group(response.Events))
            {
                if (group.Revision != expected)
                {
                    // Never papered over: a revision missing from the stream would be a hole in every restore after it.
                    throw new InvalidDataException($"the watch delivered revision {group.Revision} where {expected} was due");
                }

                expected++;
                yield return group with { ReceivedAt = received };
            }
        }
    }

    private static IEnumerable<RevisionEvents> Group(IEnumerable<Mvccpb.Event> events)
    {
        List<Mvccpb.Event>? current = null;
        long revision = 0;
        foreach (var e in events)
        {
            if (current is not null && e.Kv.ModRevision != revision)
            {
                yield return new RevisionEvents(revision, default, current);
                current = null;
            }

            current ??= [];
            revision = e.Kv.ModRevision;
            current.Add(e);
        }

        if (current is not null)
        {
            yield return new RevisionEvents(revision, default, current);
        }
    }
}

/// <summary>etcd has compacted the revisions a chain needs next: it cannot go on; a new chain must start.</summary>
internal sealed class CompactedException(long wanted, long compactedAt)
    : Exception($"etcd has compacted its history up to revision {compactedAt}; revision {wanted} is gone")
{
    public long Wanted { get; } = wanted;

    public long CompactedAt { get; } = compactedAt;
}

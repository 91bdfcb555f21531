using System.Buffers.Binary;
using Google.Protobuf;
using Mvccpb;

namespace EtcdAgent.Continuous;

/// <summary>
/// The plain content of a segment (docs/format.md, "Segment"): the 8-byte magic "EASEG01\n", then per revision a
/// little-endian i64 revision, an i64 receive time (Unix milliseconds), an i32 event count and, per event, an i32
/// length and an mvccpb.Event; then the end
/// marker, a u64 0 and a u64 count of revisions. A segment holds whole, consecutive revisions. Read back from a
/// store it is hostile data: every length is bounded before it is allocated, every event must belong to the
/// revision it is filed under, and a segment cut short (no end marker) is refused.
/// </summary>
internal static class SegmentFormat
{
    public static ReadOnlySpan<byte> Magic => "EASEG01\n"u8;

    /// <summary>etcd's own request limit is 1.5 MiB by default; a value can be larger only if the member allows it.</summary>
    public const int MaxEventBytes = 64 * 1024 * 1024;

    /// <summary>etcd's --max-txn-ops is 128 by default; a lease revoke or a range delete can touch many more keys.</summary>
    public const int MaxEventsPerRevision = 4 * 1024 * 1024;

    private const long MaxUnixMilliseconds = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z

    private static readonly MessageParser<Event> Parser = Event.Parser.WithDiscardUnknownFields(true);

    /// <summary>The bytes <see cref="WriteAsync"/> writes for <paramref name="revisions"/>: magic, each revision, end marker.</summary>
    public static long EncodedSize(IReadOnlyList<RevisionEvents> revisions)
    {
        ArgumentNullException.ThrowIfNull(revisions);
        return Magic.Length + revisions.Sum(r => r.EncodedSize) + 16;
    }

    public static async Task WriteAsync(Stream target, IReadOnlyList<RevisionEvents> revisions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(revisions);
        CheckWhole(revisions);
        await target.WriteAsync(Magic.ToArray(), cancellationToken).ConfigureAwait(false);
        var head = new byte[20];
        foreach (var revision in revisions)
        {
            BinaryPrimitives.WriteInt64LittleEndian(head, revision.Revision);
            BinaryPrimitives.WriteInt64LittleEndian(head.AsSpan(8), revision.ReceivedAt.ToUnixTimeMilliseconds());
            BinaryPrimitives.WriteInt32LittleEndian(head.AsSpan(16), revision.Events.Count);
            await target.WriteAsync(head, cancellationToken).ConfigureAwait(false);
            foreach (var e in revision.Events)
            {
                var bytes = e.ToByteArray();
                var length = new byte[4];
                BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
                await target.WriteAsync(length, cancellationToken).ConfigureAwait(false);
                await target.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            }
        }

        var end = new byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(end.AsSpan(8), revisions.Count);
        await target.WriteAsync(end, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a whole segment; <see cref="InvalidDataException"/> says what is wrong with a damaged one.</summary>
    public static async Task<IReadOnlyList<RevisionEvents>> ReadAsync(Stream source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var magic = new byte[8];
        await ReadExactlyAsync(source, magic, "the header", cancellationToken).ConfigureAwait(false);
        if (!magic.AsSpan().SequenceEqual(Magic))
        {
            throw new InvalidDataException("not a segment: the header is not \"EASEG01\\n\"");
        }

        var revisions = new List<RevisionEvents>();
        var head = new byte[20];
        while (true)
        {
            await ReadExactlyAsync(source, head.AsMemory(0, 8), "a revision", cancellationToken).ConfigureAwait(false);
            var revision = BinaryPrimitives.ReadInt64LittleEndian(head);
            if (revision == 0)
            {
                await ReadExactlyAsync(source, head.AsMemory(0, 8), "the end marker", cancellationToken).ConfigureAwait(false);
                var count = BinaryPrimitives.ReadInt64LittleEndian(head);
                if (count != revisions.Count)
                {
                    throw new InvalidDataException($"the end marker counts {count} revisions but the segment holds {revisions.Count}");
                }

                if (await source.ReadAsync(new byte[1], cancellationToken).ConfigureAwait(false) != 0)
                {
                    throw new InvalidDataException("bytes follow the end marker");
                }

                CheckWhole(revisions);
                return revisions;
            }

            await ReadExactlyAsync(source, head.AsMemory(8, 12), $"revision {revision}'s receive time and event count", cancellationToken).ConfigureAwait(false);
            var received = BinaryPrimitives.ReadInt64LittleEndian(head.AsSpan(8));
            if (received is < 0 or > MaxUnixMilliseconds)
            {
                throw new InvalidDataException($"revision {revision} has a receive time of {received} ms, not a time");
            }

            var events = BinaryPrimitives.ReadInt32LittleEndian(head.AsSpan(16));
            if (events is < 1 or > MaxEventsPerRevision)
            {
                throw new InvalidDataException($"revision {revision} has {events} events (1..{MaxEventsPerRevision})");
            }

            var list = new List<Event>(Math.Min(events, 1024));
            for (var i = 0; i < events; i++)
            {
                list.Add(await ReadEventAsync(source, revision, cancellationToken).ConfigureAwait(false));
            }

            revisions.Add(new RevisionEvents(revision, DateTimeOffset.FromUnixTimeMilliseconds(received), list));
        }
    }

    /// <summary>Revisions positive, consecutive, and every event filed under its own revision.</summary>
    public static void CheckWhole(IReadOnlyList<RevisionEvents> revisions)
    {
        ArgumentNullException.ThrowIfNull(revisions);
        for (var i = 0; i < revisions.Count; i++)
        {
            var r = revisions[i];
            if (r.Revision < 1)
            {
                throw new InvalidDataException($"revision {r.Revision} is not positive");
            }

            if (i > 0 && r.Revision != revisions[i - 1].Revision + 1)
            {
                throw new InvalidDataException($"revision {r.Revision} follows {revisions[i - 1].Revision}: a segment holds consecutive revisions");
            }

            if (i > 0 && r.ReceivedAt < revisions[i - 1].ReceivedAt)
            {
                throw new InvalidDataException($"revision {r.Revision} was received before revision {revisions[i - 1].Revision}");
            }

            if (r.Events.Count == 0)
            {
                throw new InvalidDataException($"revision {r.Revision} has no event");
            }

            foreach (var e in r.Events)
            {
                CheckEvent(e, r.Revision);
            }
        }
    }

    private static void CheckEvent(Event e, long revision)
    {
        if (e.Type is not (Event.Types.EventType.Put or Event.Types.EventType.Delete))
        {
            throw new InvalidDataException($"revision {revision}: event type {(int)e.Type} is neither a put nor a delete");
        }

        if (e.Kv is null || e.Kv.Key.IsEmpty)
        {
            throw new InvalidDataException($"revision {revision}: an event without a key");
        }

        if (e.Kv.ModRevision != revision)
        {
            throw new InvalidDataException($"revision {revision}: an event of revision {e.Kv.ModRevision} is filed under it");
        }

        if (e.Type == Event.Types.EventType.Put && (e.Kv.CreateRevision < 1 || e.Kv.CreateRevision > revision || e.Kv.Version < 1))
        {
            throw new InvalidDataException(
                $"revision {revision}: a put with create_revision {e.Kv.CreateRevision} and version {e.Kv.Version} is impossible");
        }
    }

    private static async Task<Event> ReadEventAsync(Stream source, long revision, CancellationToken cancellationToken)
    {
        var length = new byte[4];
        await ReadExactlyAsync(source, length, $"revision {revision}'s event length", cancellationToken).ConfigureAwait(false);
        var size = BinaryPrimitives.ReadInt32LittleEndian(length);
        if (size is < 0 or > MaxEventBytes)
        {
            throw new InvalidDataException($"revision {revision}: an event of {size} bytes (0..{MaxEventBytes})");
        }

        var bytes = new byte[size];
        await ReadExactlyAsync(source, bytes, $"revision {revision}'s event", cancellationToken).ConfigureAwait(false);
        try
        {
            return Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new InvalidDataException($"revision {revision}: an event that is not an mvccpb.Event ({ex.Message})", ex);
        }
    }

    private static async Task ReadExactlyAsync(Stream source, Memory<byte> buffer, string what, CancellationToken cancellationToken)
    {
        try
        {
            await source.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException($"the segment ends inside {what}: it was cut short", ex);
        }
    }
}

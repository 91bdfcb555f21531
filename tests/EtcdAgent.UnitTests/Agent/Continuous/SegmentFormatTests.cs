using System.Buffers.Binary;
using EtcdAgent.Continuous;
using Google.Protobuf;
using Mvccpb;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Continuous;

public sealed class SegmentFormatTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    internal static Event Put(string key, string value, long revision, long created, long version, long lease = 0) => new()
    {
        Type = Event.Types.EventType.Put,
        Kv = new KeyValue
        {
            Key = ByteString.CopyFromUtf8(key),
            Value = ByteString.CopyFromUtf8(value),
            CreateRevision = created,
            ModRevision = revision,
            Version = version,
            Lease = lease,
        },
    };

    internal static Event Delete(string key, long revision) => new()
    {
        Type = Event.Types.EventType.Delete,
        Kv = new KeyValue { Key = ByteString.CopyFromUtf8(key), ModRevision = revision },
    };

    internal static IReadOnlyList<RevisionEvents> Sample() =>
    [
        new(5, T0, [Put("/a", "1", 5, 5, 1)]),
        new(6, T0.AddMilliseconds(3), [Put("/a", "2", 6, 5, 2), Put("/b", "x", 6, 6, 1, lease: 7587)]),
        new(7, T0.AddSeconds(1), [Delete("/a", 7)]),
    ];

    private static async Task<byte[]> EncodeAsync(IReadOnlyList<RevisionEvents> revisions)
    {
        using var stream = new MemoryStream();
        await SegmentFormat.WriteAsync(stream, revisions, default);
        Assert.Equal(SegmentFormat.EncodedSize(revisions), stream.Length); // what the writer sizes its buffer by
        return stream.ToArray();
    }

    private static Task<IReadOnlyList<RevisionEvents>> DecodeAsync(byte[] bytes) => SegmentFormat.ReadAsync(new MemoryStream(bytes), default);

    [Fact]
    public async Task ARoundTripKeepsEveryEventItsRevisionAndReceiveTime()
    {
        var sample = Sample();
        var back = await DecodeAsync(await EncodeAsync(sample));

        Assert.Equal(sample.Select(r => (r.Revision, r.ReceivedAt)), back.Select(r => (r.Revision, r.ReceivedAt)));
        Assert.Equal(sample.SelectMany(r => r.Events), back.SelectMany(r => r.Events));
    }

    [Fact]
    public async Task WritingRefusesRevisionsThatAreNotWholeAndConsecutive()
    {
        await Assert.ThrowsAsync<InvalidDataException>(() => EncodeAsync([new(5, T0, [Put("/a", "1", 5, 5, 1)]), new(7, T0, [Delete("/a", 7)])]));
        await Assert.ThrowsAsync<InvalidDataException>(() => EncodeAsync([new(5, T0, [Put("/a", "1", 6, 5, 1)])]));
        await Assert.ThrowsAsync<InvalidDataException>(() => EncodeAsync([new(5, T0, [])]));
        await Assert.ThrowsAsync<InvalidDataException>(() => EncodeAsync([new(5, T0, [Put("/a", "1", 5, 9, 1)])]));
    }

    [Fact]
    public async Task EveryTruncationIsRefusedAsCutShort()
    {
        var bytes = await EncodeAsync(Sample());
        for (var length = 0; length < bytes.Length; length++)
        {
            var error = await Assert.ThrowsAsync<InvalidDataException>(() => DecodeAsync(bytes[..length]));
            Assert.True(error.Message.Contains("cut short", StringComparison.Ordinal) || error.Message.Contains("end marker", StringComparison.Ordinal)
                || error.Message.Contains("header", StringComparison.Ordinal), $"{length}: {error.Message}");
        }
    }

    [Fact]
    public async Task EditedSegmentsAreRefusedWithWhatIsWrong()
    {
        var bytes = await EncodeAsync(Sample());

        var trailing = bytes.Concat(new byte[] { 0 }).ToArray();
        Assert.Contains("follow the end marker", (await Assert.ThrowsAsync<InvalidDataException>(() => DecodeAsync(trailing))).Message, StringComparison.Ordinal);

        var count = (byte[])bytes.Clone();
        BinaryPrimitives.WriteInt64LittleEndian(count.AsSpan(count.Length - 8), 2);
        Assert.Contains("end marker counts 2", (await Assert.ThrowsAsync<InvalidDataException>(() => DecodeAsync(count))).Message, StringComparison.Ordinal);

        var revision = (byte[])bytes.Clone();
        BinaryPrimitives.WriteInt64LittleEndian(revision.AsSpan(8), 4); // the first record's revision: its event says 5
        Assert.Contains("is filed under it", (await Assert.ThrowsAsync<InvalidDataException>(() => DecodeAsync(revision))).Message, StringComparison.Ordinal);

        var events = (byte[])bytes.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(events.AsSpan(8 + 16), int.MaxValue);
        Assert.Contains("events (1..", (await Assert.ThrowsAsync<InvalidDataException>(() => DecodeAsync(events))).Message, StringComparison.Ordinal);

        var length = (byte[])bytes.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(length.AsSpan(8 + 20), int.MaxValue);
        Assert.Contains("an event of", (await Assert.ThrowsAsync<InvalidDataException>(() => DecodeAsync(length))).Message, StringComparison.Ordinal);

        var magic = (byte[])bytes.Clone();
        magic[0] ^= 1;
        Assert.Contains("not a segment", (await Assert.ThrowsAsync<InvalidDataException>(() => DecodeAsync(magic))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RandomBytesNeverCrashTheReader()
    {
        var random = new Random(11);
        var valid = await EncodeAsync(Sample());
        for (var i = 0; i < 2000; i++)
        {
            var bytes = (byte[])valid.Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            try
            {
                var back = await DecodeAsync(bytes);
                Assert.Equal(3, back.Count); // a flip inside a value or a time can still decode: the manifest's sha256 is what catches it
            }
            catch (InvalidDataException)
            {
            }
        }
    }
}

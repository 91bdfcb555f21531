using System.Buffers.Binary;
using EtcdAgent.Verification;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Verification;

/// <summary>A three-page bbolt file built here: two metas and a root leaf holding inline buckets nested N deep.</summary>
public sealed class BboltNestingTests : IDisposable
{
    private const int PageSize = 4096;
    private readonly string _dir = Directory.CreateTempSubdirectory("bbolt-nesting-").FullName;

    [Fact]
    public void StatusReadsInlineBucketsNestedAFewLevels()
    {
        var report = SnapshotVerifier.Status(Write(10));
        Assert.True(report.Valid, report.Fault);
        Assert.Equal(1, report.Status!.Buckets["a"]); // the nested bucket's key, as etcdctl counts it
    }

    [Fact]
    public void StatusRefusesInlineBucketsNestedDeeperThanTheTreeLimit()
    {
        // Found reviewing the snapshot harness (docs/fuzzing.md): inline buckets recursed without the depth check
        // tree pages have. 70 levels fit one 4 KiB page; the same shape in a 64 MiB overflow span overflowed the stack.
        var report = SnapshotVerifier.Status(Write(70));
        Assert.False(report.Valid);
        Assert.Contains("inline buckets nested deeper than 64 levels", report.Fault, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(int levels)
    {
        var file = new byte[3 * PageSize];
        Meta(file.AsSpan(0, PageSize), 0, txid: 1);
        Meta(file.AsSpan(PageSize, PageSize), 1, txid: 2);
        var root = LeafPage(2, Bucket(levels));
        Assert.True(root.Length <= PageSize);
        root.CopyTo(file, 2 * PageSize);
        var path = Path.Combine(_dir, $"nested-{levels}.db");
        File.WriteAllBytes(path, file);
        return path;
    }

    private static void Meta(Span<byte> page, ulong id, ulong txid)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(page, id);
        BinaryPrimitives.WriteUInt16LittleEndian(page[8..], 0x04);
        BinaryPrimitives.WriteUInt32LittleEndian(page[16..], 0xED0CDAED);
        BinaryPrimitives.WriteUInt32LittleEndian(page[20..], 2);
        BinaryPrimitives.WriteUInt32LittleEndian(page[24..], PageSize);
        BinaryPrimitives.WriteUInt64LittleEndian(page[32..], 2);                // root bucket page
        BinaryPrimitives.WriteUInt64LittleEndian(page[48..], ulong.MaxValue);   // no persisted freelist
        BinaryPrimitives.WriteUInt64LittleEndian(page[56..], 3);                // high-water mark
        BinaryPrimitives.WriteUInt64LittleEndian(page[64..], txid);
        BinaryPrimitives.WriteUInt64LittleEndian(page[72..], Fnv1a64.Hash(page[16..72]));
    }

    /// <summary>A bucket value: 16-byte header with root 0 (inline), then its leaf page, holding the next level.</summary>
    private static byte[] Bucket(int levels) => [.. new byte[16], .. LeafPage(0, levels > 0 ? Bucket(levels - 1) : null)];

    /// <summary>A leaf page with one bucket element named "a" holding <paramref name="bucket"/>, or no element.</summary>
    private static byte[] LeafPage(ulong id, byte[]? bucket)
    {
        var page = new byte[16 + (bucket is null ? 0 : 16 + 1 + bucket.Length)];
        BinaryPrimitives.WriteUInt64LittleEndian(page, id);
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(8), 0x02);
        if (bucket is not null)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(10), 1);
            BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(16), 1);                    // a bucket
            BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(20), 16);                   // key right after the element
            BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(24), 1);
            BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(28), (uint)bucket.Length);
            page[32] = (byte)'a';
            bucket.CopyTo(page, 33);
        }

        return page;
    }
}

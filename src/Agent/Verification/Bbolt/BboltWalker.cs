using System.Buffers.Binary;

namespace EtcdAgent.Verification.Bbolt;

/// <summary>
/// Walks every bucket of a bbolt file depth-first in key order and checks its structure as it goes, like bbolt's
/// tx.Check and more strictly: every reachable page id below the high-water mark and reached once; page flags as
/// expected; element tables, keys and values inside their page span and packed exactly as bbolt writes them (so a
/// changed count, offset or size shows); overflow counts matching content; keys strictly increasing within pages
/// and within their parent's bounds across pages; inline buckets well-formed; freelist ids in range, unique, not in
/// use; and, when the freelist is persisted, no page that is neither in use nor free. The first fault ends the
/// walk with a <see cref="BboltCorruptException"/> naming the page.
/// </summary>
internal sealed class BboltWalker(BboltFile file)
{
    private const int MaxDepth = 64;
    private const int ElementSize = 16;
    private readonly ulong[] _reached = new ulong[(file.HighWater + 63) / 64];
    private readonly ulong[] _free = new ulong[(file.HighWater + 63) / 64];

    /// <summary>Pages reached from the meta (tree, freelist and meta pages, overflow included).</summary>
    public long PagesInUse { get; private set; }

    /// <summary>Pages listed in the persisted freelist.</summary>
    public long FreePages { get; private set; }

    /// <summary>False when etcd's bbolt did not persist a freelist (NoFreelistSync): leaks cannot be checked.</summary>
    public bool FreelistPersisted => file.Meta.Freelist != BboltMeta.NoFreelist;

    /// <summary>After <see cref="Walk"/>: whether page <paramref name="id"/> is part of the database.</summary>
    public bool IsInUse(long id) => id >= 0 && id < file.HighWater && IsSet(_reached, id);

    public void Walk(IBboltVisitor visitor)
    {
        Mark(0, 0);
        Mark(1, 1);
        WalkTree(file.HighWater > 0 ? (long)file.Meta.Root : 0, 0, visitor, null, null, 0);
        if (FreelistPersisted)
        {
            CheckFreelist();
            for (long id = 2; id < file.HighWater; id++)
            {
                if (!IsSet(_reached, id) && !IsSet(_free, id))
                {
                    throw new BboltCorruptException(id, "neither reachable from the root nor listed as free (a lost page)");
                }
            }
        }
    }

    private void WalkTree(long id, int bucketDepth, IBboltVisitor visitor, byte[]? lower, byte[]? upper, int treeDepth)
    {
        if (treeDepth > MaxDepth)
        {
            throw new BboltCorruptException(id, $"tree deeper than {MaxDepth} levels");
        }

        using var page = file.ReadPage(id);
        for (var i = 0L; i <= page.Overflow; i++)
        {
            Mark(id + i, id);
        }

        switch (page.Flags)
        {
            case BboltFile.BranchFlag:
                WalkBranch(page, bucketDepth, visitor, lower, upper, treeDepth);
                break;
            case BboltFile.LeafFlag:
                var end = WalkLeaf(page.Bytes, page.Count, $"page {id}", bucketDepth, visitor, lower, upper, treeDepth);
                CheckOverflow(page, end);
                break;
            default:
                throw new BboltCorruptException(id, $"flags 0x{page.Flags:x} where a branch or leaf page belongs");
        }
    }

    private void WalkBranch(BboltFile.Page page, int bucketDepth, IBboltVisitor visitor, byte[]? lower, byte[]? upper, int treeDepth)
    {
        var bytes = page.Bytes;
        var count = page.Count;
        if (count == 0)
        {
            throw new BboltCorruptException(page.Id, "branch page with no elements");
        }

        long expected = BboltFile.PageHeaderSize + ((long)count * ElementSize);
        if (expected > bytes.Length)
        {
            throw new BboltCorruptException(page.Id, $"{count} elements do not fit in its {bytes.Length} bytes");
        }

        // Keys and children are copied out so the page buffer can go before the recursion: memory is then one
        // buffer per level, not per page visited.
        var keys = new byte[count][];
        var children = new long[count];
        for (var i = 0; i < count; i++)
        {
            var elem = BboltFile.PageHeaderSize + (i * ElementSize);
            var pos = BinaryPrimitives.ReadUInt32LittleEndian(bytes[elem..]);
            var ksize = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(elem + 4)..]);
            var child = BinaryPrimitives.ReadUInt64LittleEndian(bytes[(elem + 8)..]);
            var keyStart = elem + (long)pos;
            if (keyStart != expected)
            {
                throw new BboltCorruptException(page.Id, $"branch element {i} key at offset {keyStart}, expected {expected} (element table damaged)");
            }

            if (keyStart + ksize > bytes.Length)
            {
                throw new BboltCorruptException(page.Id, $"branch element {i} key of {ksize} bytes runs past the page end");
            }

            keys[i] = bytes.Slice((int)keyStart, (int)ksize).ToArray();
            expected = keyStart + ksize;
            if (child < 2 || child >= (ulong)file.HighWater)
            {
                throw new BboltCorruptException(page.Id, $"branch element {i} points to page {child}, outside 2..{file.HighWater - 1}");
            }

            children[i] = (long)child;
            CheckKeyOrder(page.Id, i, keys[i], i > 0 ? keys[i - 1] : null, lower, upper);
        }

        CheckOverflow(page, expected);
        page.Dispose();
        for (var i = 0; i < count; i++)
        {
            WalkTree(children[i], bucketDepth, visitor, keys[i], i + 1 < count ? keys[i + 1] : upper, treeDepth + 1);
        }
    }

    /// <summary>Walks a leaf (a page or an inline bucket's page); returns where its content ends.</summary>
    private long WalkLeaf(ReadOnlySpan<byte> bytes, int count, string where, int bucketDepth, IBboltVisitor visitor,
        byte[]? lower, byte[]? upper, int treeDepth)
    {
        long expected = BboltFile.PageHeaderSize + ((long)count * ElementSize);
        if (expected > bytes.Length)
        {
            throw Fault(where, $"{count} elements do not fit in its {bytes.Length} bytes");
        }

        ReadOnlySpan<byte> previous = default;
        for (var i = 0; i < count; i++)
        {
            var elem = BboltFile.PageHeaderSize + (i * ElementSize);
            var flags = BinaryPrimitives.ReadUInt32LittleEndian(bytes[elem..]);
            var pos = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(elem + 4)..]);
            var ksize = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(elem + 8)..]);
            var vsize = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(elem + 12)..]);
            var keyStart = elem + (long)pos;
            if (keyStart != expected)
            {
                throw Fault(where, $"leaf element {i} data at offset {keyStart}, expected {expected} (element table damaged)");
            }

            if (keyStart + ksize + vsize > bytes.Length)
            {
                throw Fault(where, $"leaf element {i} ({ksize}-byte key, {vsize}-byte value) runs past the end ({bytes.Length} bytes)");
            }

            if (flags > 1)
            {
                throw Fault(where, $"leaf element {i} has unknown flags 0x{flags:x}");
            }

            var key = bytes.Slice((int)keyStart, (int)ksize);
            var value = bytes.Slice((int)(keyStart + ksize), (int)vsize);
            expected = keyStart + ksize + vsize;
            if (i > 0 && key.SequenceCompareTo(previous) <= 0)
            {
                throw Fault(where, $"leaf element {i} key is not greater than the one before it (keys out of order)");
            }

            if ((lower is not null && key.SequenceCompareTo(lower) < 0) || (upper is not null && key.SequenceCompareTo(upper) >= 0))
            {
                throw Fault(where, $"leaf element {i} key lies outside the range its parent branch gives this page");
            }

            previous = key;
            if (flags == 1)
            {
                WalkBucket(key, value, where, i, bucketDepth, visitor, treeDepth);
            }
            else if (bucketDepth == 0)
            {
                throw Fault(where, $"root bucket element {i} is a plain key, not a bucket (not a bbolt database, or damaged)");
            }
            else
            {
                visitor.KeyValue(key, value, bucketDepth);
            }
        }

        return expected;
    }

    private void WalkBucket(ReadOnlySpan<byte> name, ReadOnlySpan<byte> header, string where, int element, int bucketDepth,
        IBboltVisitor visitor, int treeDepth)
    {
        if (header.Length < 16)
        {
            throw Fault(where, $"leaf element {element} is a bucket but its header has only {header.Length} bytes");
        }

        var root = BinaryPrimitives.ReadUInt64LittleEndian(header);
        if (bucketDepth > 0)
        {
            visitor.NestedBucketKey(name, bucketDepth);
        }

        visitor.EnterBucket(name, bucketDepth + 1);
        if (root == 0)
        {
            // Inline buckets nest inside one page span, which WalkTree's depth check never sees: a crafted value
            // of 49-byte levels in a 64 MiB span would recurse a million deep and overflow the stack.
            if (treeDepth + 1 > MaxDepth)
            {
                throw Fault(where, $"inline buckets nested deeper than {MaxDepth} levels");
            }

            // An inline bucket: its single leaf page follows the 16-byte bucket header inside the value.
            var inline = header[16..];
            if (inline.Length < BboltFile.PageHeaderSize)
            {
                throw Fault(where, $"inline bucket in element {element} is {inline.Length} bytes, too short for a page");
            }

            var flags = BinaryPrimitives.ReadUInt16LittleEndian(inline[8..]);
            var count = BinaryPrimitives.ReadUInt16LittleEndian(inline[10..]);
            if (flags != BboltFile.LeafFlag)
            {
                throw Fault(where, $"inline bucket in element {element} has page flags 0x{flags:x}, not a leaf");
            }

            var end = WalkLeaf(inline, count, $"{where} inline bucket {element}", bucketDepth + 1, visitor, null, null, treeDepth + 1);
            if (end != inline.Length)
            {
                throw Fault(where, $"inline bucket in element {element} is {inline.Length} bytes but its page holds {end}");
            }
        }
        else if (root < 2 || root >= (ulong)file.HighWater)
        {
            throw Fault(where, $"bucket in element {element} has root page {root}, outside 2..{file.HighWater - 1}");
        }
        else
        {
            WalkTree((long)root, bucketDepth + 1, visitor, null, null, treeDepth + 1);
        }

        visitor.ExitBucket(bucketDepth + 1);
    }

    private void CheckFreelist()
    {
        var id = (long)file.Meta.Freelist;
        using var page = file.ReadPage(id);
        if (page.Flags != BboltFile.FreelistFlag)
        {
            throw new BboltCorruptException(id, $"the meta's freelist page has flags 0x{page.Flags:x}, not a freelist");
        }

        for (var i = 0L; i <= page.Overflow; i++)
        {
            Mark(id + i, id);
        }

        var bytes = page.Bytes;
        long count = page.Count;
        var start = BboltFile.PageHeaderSize;
        if (count == 0xFFFF)
        {
            // More ids than a u16 holds: the real count is the first u64.
            count = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes[start..]);
            start += 8;
        }

        if (count < 0 || count > (bytes.Length - start) / 8)
        {
            throw new BboltCorruptException(id, $"freelist claims {count} ids, more than its {bytes.Length} bytes hold");
        }

        for (var i = 0; i < count; i++)
        {
            var free = BinaryPrimitives.ReadUInt64LittleEndian(bytes[(start + (i * 8))..]);
            if (free < 2 || free >= (ulong)file.HighWater)
            {
                throw new BboltCorruptException(id, $"freelist entry {i} is page {free}, outside 2..{file.HighWater - 1}");
            }

            if (IsSet(_reached, (long)free))
            {
                throw new BboltCorruptException((long)free, "listed as free but in use");
            }

            if (IsSet(_free, (long)free))
            {
                throw new BboltCorruptException((long)free, "listed twice in the freelist");
            }

            Set(_free, (long)free);
            FreePages++;
        }
    }

    private void CheckOverflow(BboltFile.Page page, long contentEnd)
    {
        // bbolt allocates ceil(size / pageSize) pages for a node (older versions size / pageSize + 1): a count that
        // fits neither was changed.
        var ps = file.PageSize;
        long a = (contentEnd - 1) / ps, b = contentEnd / ps;
        if (page.Overflow != a && page.Overflow != b)
        {
            throw new BboltCorruptException(page.Id, $"overflow says {page.Overflow} extra pages but its {contentEnd} bytes of content need {a}");
        }
    }

    private static void CheckKeyOrder(long page, int i, byte[] key, byte[]? previous, byte[]? lower, byte[]? upper)
    {
        if (previous is not null && key.AsSpan().SequenceCompareTo(previous) <= 0)
        {
            throw new BboltCorruptException(page, $"branch element {i} key is not greater than the one before it (keys out of order)");
        }

        if ((lower is not null && key.AsSpan().SequenceCompareTo(lower) < 0) || (upper is not null && key.AsSpan().SequenceCompareTo(upper) >= 0))
        {
            throw new BboltCorruptException(page, $"branch element {i} key lies outside the range its parent gives this page");
        }
    }

    private void Mark(long id, long from)
    {
        if (IsSet(_reached, id))
        {
            throw new BboltCorruptException(id, $"reached twice (again from page {from}): pages are shared or the tree has a cycle");
        }

        Set(_reached, id);
        PagesInUse++;
    }

    private static bool IsSet(ulong[] bits, long id) => (bits[id >> 6] & (1UL << (int)(id & 63))) != 0;

    private static void Set(ulong[] bits, long id) => bits[id >> 6] |= 1UL << (int)(id & 63);

    private static BboltCorruptException Fault(string where, string what) => new($"{where}: {what}");
}

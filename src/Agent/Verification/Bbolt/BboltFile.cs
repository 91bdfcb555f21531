using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace EtcdAgent.Verification.Bbolt;

/// <summary>
/// A bbolt file opened read-only through positioned reads (no memory map): memory is one buffer per page being
/// looked at, whatever the file size. etcdctl's status maps the whole file (1.2 GB RSS for a 1.2 GB snapshot).
/// Layout facts from bbolt internal/common/{page,meta}.go and etcd-wire.md §4.
/// </summary>
internal sealed class BboltFile : IDisposable
{
    public const int PageHeaderSize = 16;
    public const ushort BranchFlag = 0x01;
    public const ushort LeafFlag = 0x02;
    public const ushort MetaFlag = 0x04;
    public const ushort FreelistFlag = 0x10;

    /// <summary>
    /// Largest page span (a page and its overflow) this reader loads. A corrupted overflow count could otherwise ask
    /// for gigabytes; real etcd values are bounded by --max-request-bytes (1.5 MiB by default).
    /// </summary>
    public const long MaxSpanBytes = 64L * 1024 * 1024;

    // Read-ahead for sequential runs of pages: a tree written in key order lies mostly in page order, and one
    // positioned read per 4 KiB page made the syscalls a third of `snapshot status`'s time (perf, issue 21).
    private const int ReadAheadBytes = 128 * 1024;

    private readonly SafeFileHandle _handle;
    private byte[]? _window;
    private long _windowStart = -1;
    private int _windowLength;
    private long _lastEnd = -1;

    private BboltFile(SafeFileHandle handle, long dataLength, int pageSize, BboltMeta meta, int metaPage, string? otherMetaProblem)
    {
        _handle = handle;
        DataLength = dataLength;
        PageSize = pageSize;
        Meta = meta;
        MetaPage = metaPage;
        OtherMetaProblem = otherMetaProblem;
    }

    /// <summary>Bytes that belong to the bbolt file (an etcd trailer excluded).</summary>
    public long DataLength { get; }

    public int PageSize { get; }

    /// <summary>The meta in use: the valid one with the higher txid.</summary>
    public BboltMeta Meta { get; }

    /// <summary>0 or 1: which meta page is in use.</summary>
    public int MetaPage { get; }

    /// <summary>Why the other meta page is unusable, or null when both are valid.</summary>
    public string? OtherMetaProblem { get; }

    public long HighWater => (long)Meta.HighWater;

    /// <summary>pgid × pageSize: what etcdctl reports as totalSize.</summary>
    public long TotalSize => HighWater * PageSize;

    /// <summary>Opens the file and picks its meta; <paramref name="dataLength"/> excludes any trailer.</summary>
    /// <exception cref="BboltCorruptException">No usable meta, or the file is shorter than the meta says.</exception>
    public static BboltFile Open(SafeFileHandle handle, long dataLength)
    {
        if (dataLength < 2 * 1024)
        {
            throw new BboltCorruptException($"file holds {dataLength} bytes: too small for two bbolt meta pages");
        }

        var buffer = new byte[BboltMeta.Size];
        ReadExactly(handle, buffer, 0);
        var meta0 = BboltMeta.Parse(buffer);
        int pageSize;
        if (meta0.Problem is null && IsPlausiblePageSize(meta0.PageSize))
        {
            pageSize = (int)meta0.PageSize;
        }
        else
        {
            // Meta 0 is damaged: find meta 1 by probing where it would be for each possible page size.
            pageSize = 0;
            for (var i = 0; i <= 14 && pageSize == 0; i++)
            {
                var probe = 1024L << i;
                if (probe + BboltMeta.Size > dataLength)
                {
                    break;
                }

                ReadExactly(handle, buffer, probe);
                var candidate = BboltMeta.Parse(buffer);
                if (candidate.Problem is null && candidate.PageSize == probe)
                {
                    pageSize = (int)probe;
                }
            }

            if (pageSize == 0)
            {
                throw new BboltCorruptException(0, $"meta page 0 is unusable ({meta0.Problem ?? $"implausible page size {meta0.PageSize}"}) and no valid meta page 1 was found");
            }
        }

        if ((long)pageSize + BboltMeta.Size > dataLength)
        {
            throw new BboltCorruptException(1, $"file ends ({dataLength} bytes) before meta page 1 at offset {pageSize}");
        }

        ReadExactly(handle, buffer, pageSize);
        var meta1 = BboltMeta.Parse(buffer);
        var valid0 = meta0.Problem is null && meta0.PageSize == pageSize;
        var valid1 = meta1.Problem is null && meta1.PageSize == pageSize;
        var (meta, metaPage, other) = (valid0, valid1) switch
        {
            (true, true) => meta1.TxId > meta0.TxId ? (meta1, 1, (string?)null) : (meta0, 0, (string?)null),
            (true, false) => (meta0, 0, $"meta page 1: {meta1.Problem ?? "page size differs from meta page 0"}"),
            (false, true) => (meta1, 1, $"meta page 0: {meta0.Problem ?? "page size differs from meta page 1"}"),
            _ => throw new BboltCorruptException("both meta pages are unusable: " +
                                                 $"0: {meta0.Problem ?? "page size mismatch"}; 1: {meta1.Problem ?? "page size mismatch"}"),
        };

        if (meta.HighWater < 3 || meta.HighWater > (ulong)(dataLength / pageSize))
        {
            throw new BboltCorruptException(metaPage,
                $"meta says the file has {meta.HighWater} pages of {pageSize} bytes ({meta.HighWater * (ulong)pageSize} bytes) " +
                $"but it holds {dataLength} bytes{(meta.HighWater > (ulong)(dataLength / pageSize) ? ": the file is truncated" : string.Empty)}");
        }

        if (meta.Root < 2 || meta.Root >= meta.HighWater)
        {
            throw new BboltCorruptException(metaPage, $"root bucket page {meta.Root} is outside 2..{meta.HighWater - 1}");
        }

        if (meta.Freelist != BboltMeta.NoFreelist && (meta.Freelist < 2 || meta.Freelist >= meta.HighWater))
        {
            throw new BboltCorruptException(metaPage, $"freelist page {meta.Freelist} is outside 2..{meta.HighWater - 1}");
        }

        return new BboltFile(handle, dataLength, pageSize, meta, metaPage, other);
    }

    /// <summary>Reads page <paramref name="id"/> with its overflow; the caller disposes the result.</summary>
    public Page ReadPage(long id)
    {
        if (id < 2 || id >= HighWater)
        {
            throw new BboltCorruptException(id, $"page id is outside 2..{HighWater - 1}");
        }

        // One read for the first page (header included), a second only for overflow pages: a tree walk is one
        // positioned read per page, not two.
        var buffer = ArrayPool<byte>.Shared.Rent(PageSize);
        try
        {
            ReadAt(buffer.AsSpan(0, PageSize), id * PageSize);
            var headerId = BinaryPrimitives.ReadUInt64LittleEndian(buffer);
            var flags = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(8));
            var count = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(10));
            var overflow = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(12));
            if (headerId != (ulong)id)
            {
                throw new BboltCorruptException(id, $"header says it is page {headerId}");
            }

            if (id + overflow >= HighWater)
            {
                throw new BboltCorruptException(id, $"overflow of {overflow} pages runs past the high-water mark {HighWater}");
            }

            var span = (overflow + 1L) * PageSize;
            if (span > MaxSpanBytes)
            {
                throw new BboltCorruptException(id, $"overflow of {overflow} pages ({span} bytes) exceeds the {MaxSpanBytes} bytes one element can hold");
            }

            if (overflow > 0)
            {
                var larger = ArrayPool<byte>.Shared.Rent((int)span);
                buffer.AsSpan(0, PageSize).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = larger;
                ReadAt(buffer.AsSpan(PageSize, (int)span - PageSize), (id * PageSize) + PageSize);
            }

            return new Page(id, flags, count, overflow, buffer, (int)span);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>
    /// Fills <paramref name="buffer"/> from <paramref name="offset"/>: from the read-ahead window when it holds those
    /// bytes; a read that continues the previous one refills the window first (a sequential run); any other read
    /// goes straight to the file, so a scattered tree costs no more than before.
    /// </summary>
    private void ReadAt(Span<byte> buffer, long offset)
    {
        var sequential = offset == _lastEnd;
        _lastEnd = offset + buffer.Length;
        if (!InWindow(offset, buffer.Length) && sequential && buffer.Length < ReadAheadBytes)
        {
            _window ??= new byte[ReadAheadBytes];
            _windowLength = (int)Math.Min(ReadAheadBytes, DataLength - offset);
            _windowStart = offset;
            ReadExactly(_handle, _window.AsSpan(0, _windowLength), offset);
        }

        if (InWindow(offset, buffer.Length))
        {
            _window.AsSpan((int)(offset - _windowStart), buffer.Length).CopyTo(buffer);
            return;
        }

        ReadExactly(_handle, buffer, offset);
    }

    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(true, nameof(_window))]
    private bool InWindow(long offset, int length) =>
        _window is not null && offset >= _windowStart && offset + length <= _windowStart + _windowLength;

    private static bool IsPlausiblePageSize(uint size) => size is >= 512 and <= 16 * 1024 * 1024 && (size & (size - 1)) == 0;

    private static void ReadExactly(SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        while (buffer.Length > 0)
        {
            var n = RandomAccess.Read(handle, buffer, offset);
            if (n == 0)
            {
                throw new BboltCorruptException($"file ends at offset {offset} inside a page");
            }

            buffer = buffer[n..];
            offset += n;
        }
    }

    public void Dispose()
    {
        // The handle belongs to the caller.
    }

    /// <summary>A page and its overflow, in a pooled buffer returned on dispose.</summary>
    internal sealed class Page(long id, ushort flags, ushort count, uint overflow, byte[] buffer, int length) : IDisposable
    {
        private byte[]? _buffer = buffer;

        public long Id { get; } = id;

        public ushort Flags { get; } = flags;

        public ushort Count { get; } = count;

        public uint Overflow { get; } = overflow;

        public ReadOnlySpan<byte> Bytes => (_buffer ?? throw new ObjectDisposedException(nameof(Page))).AsSpan(0, length);

        /// <summary>Returns the buffer; safe to call twice (a branch lets its page go before recursing).</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _buffer, null) is { } b)
            {
                ArrayPool<byte>.Shared.Return(b);
            }
        }
    }
}

using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace EtcdAgent.Verification;

/// <summary>
/// Counts the keys alive after the last revision of a snapshot, in memory that does not grow with the key count
/// (issue 21: a hash set of every live key cost ~12 MiB per GiB of snapshot). The walk reports each revision's key
/// (as a 63-bit hash) and whether it was a put or a delete, in revision order. A bounded table keeps the latest state
/// per key; when it fills, its entries are sorted by key and appended to an unlinked temporary file as one *run*.
/// At the end the runs are merged: for each key the state in the newest run that holds it is the final one, and the
/// live ones are counted. Memory: the table (~0.9 MiB at the default size) plus an 8 KiB read buffer per run.
/// When no temporary file can be made (read-only /tmp, full disk), the table just keeps growing — the count stays
/// exact, only the memory bound is lost.
/// </summary>
internal sealed class LiveKeyCounter : IDisposable
{
    public const int DefaultRunEntries = 1 << 15;
    private const int MergeBufferEntries = 1024;

    private readonly int _runEntries;
    private readonly string _spillDirectory;
    private readonly Dictionary<ulong, bool> _latest;
    private readonly List<(long Offset, int Count)> _runs = [];
    private ulong[]? _sorted;
    private FileStream? _spill; // owns the handle (a FileStream left to the GC would close it)
    private long _spillLength;
    private bool _spillFailed;
    private long? _count;

    /// <param name="runEntries">Keys held in memory before a run is spilled.</param>
    /// <param name="spillDirectory">Where the unlinked run file goes; the process's temporary directory when null.</param>
    public LiveKeyCounter(int runEntries = DefaultRunEntries, string? spillDirectory = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(runEntries, 1);
        _runEntries = runEntries;

        // Not sized up front: most snapshots a daemon verifies are small, and a table for a full run is ~0.9 MiB that
        // stayed in the heap between ticks (issue 21's daemon budget); grown by doubling, it reaches the run size once.
        _latest = [];
        _spillDirectory = spillDirectory ?? Path.GetTempPath();
    }

    /// <summary>How many runs went to the temporary file (tests check that the spill path ran).</summary>
    public int SpilledRuns => _runs.Count;

    /// <summary>Records that the key with this 64-bit hash was put (<paramref name="live"/>) or deleted at the next revision.</summary>
    public void Record(ulong keyHash, bool live)
    {
        if (_count is not null)
        {
            throw new InvalidOperationException("the live keys were already counted");
        }

        _latest[keyHash >> 1] = live;
        if (_latest.Count >= _runEntries && !_spillFailed)
        {
            Spill();
        }
    }

    /// <summary>The number of keys whose latest state is a put. Call once the walk is over.</summary>
    public long Count()
    {
        _count ??= _runs.Count == 0 ? _latest.Values.Count(live => live) : Merge();
        return _count.Value;
    }

    public void Dispose() => _spill?.Dispose();

    // A record is the 63-bit key in the high bits and the state in the low one: sorting records sorts by key. The
    // first _latest.Count entries of the returned array are the records (one array, reused for every run).
    private ulong[] SortedRecords()
    {
        var count = _latest.Count;
        if (_sorted is null || _sorted.Length < count)
        {
            _sorted = new ulong[Math.Max(count, _runEntries)];
        }

        var i = 0;
        foreach (var (key, live) in _latest)
        {
            _sorted[i++] = (key << 1) | (live ? 1UL : 0UL);
        }

        Array.Sort(_sorted, 0, count);
        return _sorted;
    }

    private void Spill()
    {
        try
        {
            _spill ??= OpenSpillFile(_spillDirectory);
            var records = SortedRecords();
            var count = _latest.Count;
            var bytes = MemoryMarshal.AsBytes(records.AsSpan(0, count));
            RandomAccess.Write(_spill.SafeFileHandle, bytes, _spillLength);
            _runs.Add((_spillLength, count));
            _spillLength += bytes.Length;
            _latest.Clear();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Exactness over the memory bound: keep counting in memory.
            _spillFailed = true;
        }
    }

    private static FileStream OpenSpillFile(string directory)
    {
        var path = Path.Combine(directory, $"etcd-agent-livekeys-{Guid.NewGuid():N}.tmp");
        var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            BufferSize = 0,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });

        // Unlinked at once: nothing is left in the temporary directory whatever ends the process.
        File.Delete(path);
        return file;
    }

    private long Merge()
    {
        var sources = new List<IRunReader>(_runs.Count + 1);
        sources.AddRange(_runs.Select(r => (IRunReader)new FileRun(_spill!.SafeFileHandle, r.Offset, r.Count)));
        var tailCount = _latest.Count;
        var tail = SortedRecords();
        _latest.Clear();
        sources.Add(new MemoryRun(tail, tailCount));

        // Ordered by key, then by run: of equal keys the newest run's record comes out last.
        var queue = new PriorityQueue<int, (ulong Key, int Run)>();
        for (var run = 0; run < sources.Count; run++)
        {
            if (sources[run].TryPeek(out var record))
            {
                queue.Enqueue(run, (record >> 1, run));
            }
        }

        long live = 0;
        ulong? currentKey = null;
        var currentLive = false;
        while (queue.TryDequeue(out var run, out var priority))
        {
            var source = sources[run];
            source.TryPeek(out var record);
            if (currentKey != priority.Key)
            {
                live += currentLive ? 1 : 0;
                currentKey = priority.Key;
            }

            currentLive = (record & 1) == 1;
            source.Advance();
            if (source.TryPeek(out var next))
            {
                queue.Enqueue(run, (next >> 1, run));
            }
        }

        return live + (currentLive ? 1 : 0);
    }

    private interface IRunReader
    {
        bool TryPeek(out ulong record);

        void Advance();
    }

    private sealed class MemoryRun(ulong[] records, int count) : IRunReader
    {
        private int _next;

        public bool TryPeek(out ulong record)
        {
            record = _next < count ? records[_next] : 0;
            return _next < count;
        }

        public void Advance() => _next++;
    }

    /// <summary>One spilled run, read back through a small buffer.</summary>
    private sealed class FileRun(SafeFileHandle file, long offset, int count) : IRunReader
    {
        private readonly byte[] _buffer = new byte[MergeBufferEntries * sizeof(ulong)];
        private int _read;
        private int _buffered;
        private int _position;

        public bool TryPeek(out ulong record)
        {
            if (_position == _buffered && _read < count)
            {
                Fill();
            }

            var has = _position < _buffered;
            record = has ? MemoryMarshal.Read<ulong>(_buffer.AsSpan(_position * sizeof(ulong))) : 0; // written in native order
            return has;
        }

        public void Advance() => _position++;

        private void Fill()
        {
            var entries = Math.Min(MergeBufferEntries, count - _read);
            var span = _buffer.AsSpan(0, entries * sizeof(ulong));
            var at = offset + ((long)_read * sizeof(ulong));
            var done = 0;
            while (done < span.Length)
            {
                var n = RandomAccess.Read(file, span[done..], at + done);
                if (n == 0)
                {
                    throw new IOException("the live-key spill file is shorter than what was written to it");
                }

                done += n;
            }

            _read += entries;
            _buffered = entries;
            _position = 0;
        }
    }
}

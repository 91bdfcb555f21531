using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;
using EtcdAgent.Protocol.Etcd;
using EtcdAgent.Verification.Bbolt;

namespace EtcdAgent.Verification;

/// <summary>
/// Computes the status while the walker streams the file past it, and, when asked, checks etcd's content: every
/// `key` bucket key is a revision (8-byte main, '_', 8-byte sub, optional 't' for a tombstone) strictly after the
/// previous one, and every value decodes as mvccpb.KeyValue whose mod_revision matches its key.
/// </summary>
internal sealed class SnapshotContentCollector(bool checkContent, int liveKeyRun = LiveKeyCounter.DefaultRunEntries) : IBboltVisitor, IDisposable
{
    private const string HexPrefix = "hex:";
    private readonly Dictionary<string, long> _buckets = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    // Live keys are tracked by a 64-bit hash of the user key, in memory that does not grow with their number.
    private readonly LiveKeyCounter _live = new(liveKeyRun);

    // The walk allocates a little per page; without this the GC's gen0 budget, not the data, decides RSS.
    private readonly Diagnostics.GarbageCap _memory = new();
    private Crc32C _crc = new();
    private string? _bucket;
    private long _bucketKeys;
    private bool _inKey;
    private bool _inMeta;
    private bool _liveKnown = true;
    private long _previousMain = -1;
    private long _previousSub = -1;

    public long TotalKey { get; private set; }

    public long Revision { get; private set; }

    public ulong? ConsistentIndex { get; private set; }

    public string? StorageVersion { get; private set; }

    public bool SawKeyBucket { get; private set; }

    public bool SawMetaBucket { get; private set; }

    public SnapshotStatus ToStatus(long totalSize) => new(_crc.Value, Revision, TotalKey, totalSize,
        _liveKnown ? _live.Count() : null, StorageVersion, ConsistentIndex,
        _order.ToDictionary(b => b, b => _buckets[b], StringComparer.Ordinal));

    public void EnterBucket(ReadOnlySpan<byte> name, int depth)
    {
        if (depth != 1)
        {
            return;
        }

        _crc.Append(name);
        _bucket = BucketName(name);
        _bucketKeys = 0;
        _inKey = _bucket == "key";
        _inMeta = _bucket == "meta";
        SawKeyBucket |= _inKey;
        SawMetaBucket |= _inMeta;
    }

    public void NestedBucketKey(ReadOnlySpan<byte> key, int depth)
    {
        // etcdctl's b.ForEach also yields nested buckets' keys (with a nil value) and counts them.
        if (depth == 1)
        {
            _crc.Append(key);
            TotalKey++;
            _bucketKeys++;
        }
    }

    public void KeyValue(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, int depth)
    {
        if (depth != 1)
        {
            return;
        }

        _crc.Append(key);
        _crc.Append(value);
        TotalKey++;
        _bucketKeys++;
        if ((TotalKey & 255) == 0)
        {
            _memory.Tick();
        }

        if (_inKey)
        {
            OnRevision(key, value);
        }
        else if (_inMeta)
        {
            OnMeta(key, value);
        }
    }

    public void ExitBucket(int depth)
    {
        if (depth == 1 && _bucket is not null)
        {
            _buckets[_bucket] = _bucketKeys;
            _order.Add(_bucket);
        }
    }

    private void OnRevision(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        var wellFormed = key.Length is 17 or 18 && key[8] == (byte)'_' && (key.Length == 17 || key[17] == (byte)'t');
        if (key.Length >= 8)
        {
            Revision = (long)BinaryPrimitives.ReadUInt64BigEndian(key);
        }

        if (!wellFormed)
        {
            Fault(key, $"is not a revision key (main_sub[t], 17 or 18 bytes; got {key.Length} bytes)");
            _liveKnown = false;
            return;
        }

        var main = (long)BinaryPrimitives.ReadUInt64BigEndian(key);
        var sub = (long)BinaryPrimitives.ReadUInt64BigEndian(key[9..]);
        var tombstone = key.Length == 18;
        if (main < _previousMain || (main == _previousMain && sub <= _previousSub))
        {
            Fault(key, $"revision {main}.{sub} does not come after {_previousMain}.{_previousSub}");
        }

        _previousMain = main;
        _previousSub = sub;

        Mvccpb.KeyValue kv;
        try
        {
            kv = MvccRecord.Parse(value);
        }
        catch (InvalidDataException ex)
        {
            Fault(key, $"value is not an mvccpb.KeyValue ({ex.Message})");
            _liveKnown = false;
            return;
        }

        if (kv.Key.IsEmpty)
        {
            Fault(key, "value is a KeyValue with an empty key");
        }
        else if (!tombstone && kv.ModRevision != main)
        {
            Fault(key, $"value's mod_revision {kv.ModRevision} differs from the revision {main} it is stored under");
        }
        else if (!tombstone && (kv.CreateRevision > kv.ModRevision || kv.Version < 1))
        {
            Fault(key, $"value has create_revision {kv.CreateRevision}, mod_revision {kv.ModRevision}, version {kv.Version}: impossible together");
        }

        _live.Record(Fnv1a64.Hash(kv.Key.Span), live: !tombstone);
    }

    public void Dispose() => _live.Dispose();

    /// <summary>
    /// A top-level bucket's name as the status shows it: the text when the bytes are UTF-8, else "hex:" and the
    /// bytes in hex (as is a text name that itself starts with "hex:"). The mapping is one-to-one, as the status's
    /// per-bucket counts need: decoding with replacement characters made two different byte names one string, and
    /// a crafted file with such a pair crashed `snapshot status` with a duplicate-key ArgumentException.
    /// </summary>
    internal static string BucketName(ReadOnlySpan<byte> name)
    {
        if (Utf8.IsValid(name))
        {
            var text = Encoding.UTF8.GetString(name);
            if (!text.StartsWith(HexPrefix, StringComparison.Ordinal))
            {
                return text;
            }
        }

        return HexPrefix + Convert.ToHexStringLower(name);
    }

    private void OnMeta(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (key.SequenceEqual("consistent_index"u8) && value.Length == 8)
        {
            ConsistentIndex = BinaryPrimitives.ReadUInt64BigEndian(value);
        }
        else if (key.SequenceEqual("storageVersion"u8))
        {
            StorageVersion = Encoding.UTF8.GetString(value);
        }
    }

    private void Fault(ReadOnlySpan<byte> key, string what)
    {
        if (checkContent)
        {
            throw new BboltCorruptException($"bucket 'key', key {Convert.ToHexStringLower(key)}: {what}");
        }
    }
}

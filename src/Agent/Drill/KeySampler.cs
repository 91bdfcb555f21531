using System.Security.Cryptography;
using EtcdAgent.Protocol.Etcd;
using EtcdAgent.Verification;
using EtcdAgent.Verification.Bbolt;

namespace EtcdAgent.Drill;

/// <summary>
/// Picks a sample of live keys straight from the snapshot file, with the sha256 of each one's latest value, so a
/// drill can check that the restored etcd serves exactly what the file holds. The choice is deterministic (by a
/// hash of the key) and bounded: memory holds at most a few times the sample, whatever the snapshot's size.
/// </summary>
internal sealed class KeySampler(int target, long liveKeys) : IBboltVisitor
{
    private readonly ulong _modulus = (ulong)Math.Max(1, liveKeys / Math.Max(1, target));
    private readonly Dictionary<string, (byte[] Key, byte[]? ValueSha)> _picked = new(StringComparer.Ordinal);
    private bool _inKey;

    /// <summary>A live key under /registry/ was seen: the snapshot is a Kubernetes cluster's.</summary>
    public bool SawRegistry { get; private set; }

    public IReadOnlyList<(byte[] Key, byte[] ValueSha)> Samples =>
        _picked.Values.Where(p => p.ValueSha is not null).Take(target).Select(p => (p.Key, p.ValueSha!)).ToList();

    public static KeySampler Walk(string snapshotPath, int target, long liveKeys)
    {
        using var handle = File.OpenHandle(snapshotPath, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        var file = BboltFile.Open(handle, RandomAccess.GetLength(handle) - 32);
        var sampler = new KeySampler(target, liveKeys);
        new BboltWalker(file).Walk(sampler);
        return sampler;
    }

    public void EnterBucket(ReadOnlySpan<byte> name, int depth)
    {
        if (depth == 1)
        {
            _inKey = name.SequenceEqual("key"u8);
        }
    }

    public void KeyValue(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, int depth)
    {
        if (depth != 1 || !_inKey)
        {
            return;
        }

        var kv = MvccRecord.Parse(value);
        var tombstone = key.Length == 18;
        if (!tombstone && kv.Key.Span.StartsWith("/registry/"u8))
        {
            SawRegistry = true;
        }

        if (Fnv1a64.Hash(kv.Key.Span) % _modulus != 0)
        {
            return;
        }

        var id = Convert.ToBase64String(kv.Key.Span);
        if (tombstone)
        {
            if (_picked.ContainsKey(id))
            {
                _picked[id] = (kv.Key.ToByteArray(), null);
            }
        }
        else if (_picked.ContainsKey(id) || _picked.Count < 4 * target)
        {
            _picked[id] = (kv.Key.ToByteArray(), SHA256.HashData(kv.Value.Span));
        }
    }

    public void NestedBucketKey(ReadOnlySpan<byte> key, int depth)
    {
    }

    public void ExitBucket(int depth)
    {
        if (depth == 1)
        {
            _inKey = false;
        }
    }
}

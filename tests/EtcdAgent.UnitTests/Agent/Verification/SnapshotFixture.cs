using System.Buffers.Binary;
using System.Security.Cryptography;
using EtcdAgent.Verification.Bbolt;

namespace EtcdAgent.UnitTests.Agent.Verification;

/// <summary>The committed fixtures, and a scratch copy to damage with the trailer recomputed afterwards.</summary>
internal sealed class SnapshotFixture : IDisposable
{
    public const int PageSize = 4096;

    public SnapshotFixture()
    {
        Dir = Directory.CreateTempSubdirectory("verify-").FullName;
        Original = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "valid-small.db"));
    }

    public static string FixturePath(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    public string Dir { get; }

    public byte[] Original { get; }

    public int Pages => (Original.Length - 32) / PageSize;

    /// <summary>Writes <paramref name="bytes"/> with its sha256 trailer recomputed (unless told not to).</summary>
    public string Write(byte[] bytes, bool fixTrailer = true, string name = "mutated.db")
    {
        if (fixTrailer && bytes.Length >= 32)
        {
            SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32)).CopyTo(bytes, bytes.Length - 32);
        }

        var path = Path.Combine(Dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public byte[] Copy() => (byte[])Original.Clone();

    /// <summary>Page ids the valid fixture's tree uses (page starts only, not overflow continuation pages).</summary>
    public List<long> PageStartsInUse()
    {
        using var handle = File.OpenHandle(FixturePath("valid-small.db"));
        var file = BboltFile.Open(handle, Original.Length - 32);
        var walker = new BboltWalker(file);
        walker.Walk(new NullVisitor());
        var starts = new List<long>();
        for (long id = 2; id < Pages; id++)
        {
            if (walker.IsInUse(id) && BinaryPrimitives.ReadUInt64LittleEndian(Original.AsSpan((int)(id * PageSize))) == (ulong)id)
            {
                starts.Add(id);
            }
        }

        return starts;
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);

    private sealed class NullVisitor : IBboltVisitor
    {
        public void EnterBucket(ReadOnlySpan<byte> name, int depth)
        {
        }

        public void KeyValue(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, int depth)
        {
        }

        public void NestedBucketKey(ReadOnlySpan<byte> key, int depth)
        {
        }

        public void ExitBucket(int depth)
        {
        }
    }
}

using System.Buffers.Binary;
using System.Numerics;

namespace EtcdAgent.Verification;

/// <summary>FNV-1a 64 (bbolt's meta checksum, Go's hash/fnv New64a).</summary>
internal static class Fnv1a64
{
    public const ulong Offset = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;

    public static ulong Hash(ReadOnlySpan<byte> data, ulong hash = Offset)
    {
        foreach (var b in data)
        {
            hash ^= b;
            hash *= Prime;
        }

        return hash;
    }
}

/// <summary>
/// CRC-32C (Castagnoli), as Go's crc32.MakeTable(crc32.Castagnoli) that etcdctl's snapshot status uses.
/// BitOperations.Crc32C uses the CPU's CRC32 instruction where there is one (SSE4.2, ARMv8) and a table otherwise.
/// </summary>
internal struct Crc32C
{
    private uint _state = uint.MaxValue;

    public Crc32C()
    {
    }

    public readonly uint Value => ~_state;

    public void Append(ReadOnlySpan<byte> data)
    {
        var crc = _state;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        _state = crc;
    }
}

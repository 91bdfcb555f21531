using System.Buffers.Binary;

namespace EtcdAgent.Verification.Bbolt;

/// <summary>
/// A bbolt meta page (pages 0 and 1). Offsets from the page start (bbolt internal/common/meta.go, after the
/// 16-byte page header): magic @16, version @20, pageSize @24, flags @28, root bucket {root @32, sequence @40},
/// freelist @48, pgid (high-water mark) @56, txid @64, checksum @72 = FNV-1a 64 of bytes 16..71.
/// </summary>
internal sealed record BboltMeta(uint Magic, uint Version, uint PageSize, ulong Root, ulong Freelist, ulong HighWater,
    ulong TxId, ulong Checksum, bool ChecksumValid)
{
    public const uint ExpectedMagic = 0xED0CDAED;
    public const uint ExpectedVersion = 2;
    public const ulong NoFreelist = ulong.MaxValue;
    public const int Size = 80;

    public static BboltMeta Parse(ReadOnlySpan<byte> page)
    {
        var checksum = BinaryPrimitives.ReadUInt64LittleEndian(page[72..]);
        return new BboltMeta(
            Magic: BinaryPrimitives.ReadUInt32LittleEndian(page[16..]),
            Version: BinaryPrimitives.ReadUInt32LittleEndian(page[20..]),
            PageSize: BinaryPrimitives.ReadUInt32LittleEndian(page[24..]),
            Root: BinaryPrimitives.ReadUInt64LittleEndian(page[32..]),
            Freelist: BinaryPrimitives.ReadUInt64LittleEndian(page[48..]),
            HighWater: BinaryPrimitives.ReadUInt64LittleEndian(page[56..]),
            TxId: BinaryPrimitives.ReadUInt64LittleEndian(page[64..]),
            Checksum: checksum,
            ChecksumValid: Fnv1a64.Hash(page[16..72]) == checksum);
    }

    /// <summary>Why this meta cannot be used, or null when it can.</summary>
    public string? Problem =>
        Magic != ExpectedMagic ? $"bad magic 0x{Magic:x8} (expected 0x{ExpectedMagic:x8})"
        : Version != ExpectedVersion ? $"unsupported version {Version} (expected {ExpectedVersion})"
        : !ChecksumValid ? $"checksum mismatch (stored 0x{Checksum:x16})"
        : null;
}

using System.Buffers.Binary;

namespace EtcdAgent.Codecs.Encryption;

/// <summary>
/// The encryption envelope's header (docs/format.md): "EAGENC", version 1, algorithm 1 (AES-256-GCM), 8-byte key
/// id, chunk size (u32 big-endian), 8-byte random nonce prefix — 28 bytes, authenticated with every chunk.
/// </summary>
internal sealed record EnvelopeHeader(byte[] KeyId, int ChunkSize, byte[] NoncePrefix)
{
    public const int Size = 28;
    public const int TagSize = 16;
    public const byte Version = 1;
    public const byte AesGcm256 = 1;
    public const int MinChunk = 4 * 1024;
    public const int MaxChunk = 16 * 1024 * 1024;
    public const int DefaultChunk = 1024 * 1024;
    public static readonly byte[] Magic = "EAGENC"u8.ToArray();

    public byte[] ToBytes()
    {
        var b = new byte[Size];
        Magic.CopyTo(b, 0);
        b[6] = Version;
        b[7] = AesGcm256;
        KeyId.CopyTo(b, 8);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(16), (uint)ChunkSize);
        NoncePrefix.CopyTo(b, 20);
        return b;
    }

    public static bool HasMagic(ReadOnlySpan<byte> head) => head.StartsWith(Magic);

    public static EnvelopeHeader Parse(ReadOnlySpan<byte> b)
    {
        if (b.Length < Size || !HasMagic(b))
        {
            throw new InvalidDataException("not an etcd-agent encrypted object (no EAGENC header)");
        }

        if (b[6] != Version || b[7] != AesGcm256)
        {
            throw new InvalidDataException($"unsupported envelope version {b[6]} / algorithm {b[7]}; a newer etcd-agent wrote it");
        }

        var chunk = BinaryPrimitives.ReadUInt32BigEndian(b[16..]);
        if (chunk is < MinChunk or > MaxChunk)
        {
            throw new InvalidDataException($"envelope chunk size {chunk} is outside {MinChunk}..{MaxChunk}: the header is damaged");
        }

        return new EnvelopeHeader(b.Slice(8, 8).ToArray(), (int)chunk, b.Slice(20, 8).ToArray());
    }

    /// <summary>Nonce of chunk <paramref name="counter"/>: prefix (8) ‖ counter (u32 big-endian).</summary>
    public void Nonce(uint counter, Span<byte> nonce)
    {
        NoncePrefix.CopyTo(nonce);
        BinaryPrimitives.WriteUInt32BigEndian(nonce[8..], counter);
    }

    /// <summary>Associated data of a chunk: header ‖ counter (u64 big-endian) ‖ final flag (1 byte).</summary>
    public static void Aad(ReadOnlySpan<byte> header, ulong counter, bool final, Span<byte> aad)
    {
        header.CopyTo(aad);
        BinaryPrimitives.WriteUInt64BigEndian(aad[Size..], counter);
        aad[Size + 8] = final ? (byte)1 : (byte)0;
    }

    public const int AadSize = Size + 9;
}

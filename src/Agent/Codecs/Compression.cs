using System.IO.Compression;
using EtcdAgent.Codecs.Zstd;
using EtcdAgent.Configuration;

namespace EtcdAgent.Codecs;

/// <summary>
/// Compression as composable streams with bounded buffers; the kind of a stored object is told by its first bytes,
/// so `backup decode` needs no side information.
/// </summary>
internal static class Compression
{
    private static readonly byte[] ZstdMagic = [0x28, 0xB5, 0x2F, 0xFD];
    private static readonly byte[] GzipMagic = [0x1F, 0x8B];

    /// <summary>A write-only stream compressing into <paramref name="inner"/>; end it with <see cref="FinishAsync"/>.</summary>
    public static Stream Compress(Stream inner, CompressionKind kind, int level, bool leaveOpen = true) => kind switch
    {
        CompressionKind.Zstd => new ZstdCompressStream(inner, level, leaveOpen: leaveOpen),
        CompressionKind.Gzip => new GZipStream(inner, new ZLibCompressionOptions { CompressionLevel = Math.Clamp(level, 1, 9) }, leaveOpen),
        _ => new NonClosingStream(inner, leaveOpen),
    };

    /// <summary>Ends the compressed stream (zstd frame end, gzip trailer) without closing what it writes to.</summary>
    public static async Task FinishAsync(Stream compressor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(compressor);
        switch (compressor)
        {
            case ZstdCompressStream zstd:
                await zstd.FinishAsync(cancellationToken).ConfigureAwait(false);
                break;
            default:
                // GZipStream writes its trailer on dispose; it was created with leaveOpen, so the target stays open.
                await compressor.DisposeAsync().ConfigureAwait(false);
                break;
        }
    }

    /// <summary>A read-only stream decompressing <paramref name="inner"/>, output capped at <paramref name="maxOutputBytes"/>.</summary>
    public static Stream Decompress(Stream inner, CompressionKind kind, long maxOutputBytes) => kind switch
    {
        CompressionKind.Zstd => new ZstdDecompressStream(inner, maxOutputBytes),
        CompressionKind.Gzip => new LimitedReadStream(new GZipStream(inner, CompressionMode.Decompress), maxOutputBytes),
        _ => new LimitedReadStream(inner, maxOutputBytes),
    };

    /// <summary>Tells the compression from the first bytes of a stored object.</summary>
    public static CompressionKind Detect(ReadOnlySpan<byte> head) =>
        head.StartsWith(ZstdMagic) ? CompressionKind.Zstd
        : head.StartsWith(GzipMagic) ? CompressionKind.Gzip
        : CompressionKind.None;

    /// <summary>The object-name suffix for a kind (".zst", ".gz", or none).</summary>
    public static string Extension(CompressionKind kind) => kind switch
    {
        CompressionKind.Zstd => ".zst",
        CompressionKind.Gzip => ".gz",
        _ => string.Empty,
    };
}

using System.Diagnostics;
using EtcdAgent.Codecs;
using EtcdAgent.Configuration;
using EtcdAgent.UnitTests.Agent.Verification;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Codecs;

public sealed class CompressionTests : IDisposable
{
    private const int Chunk = 128 * 1024; // the streams' internal buffer size
    private readonly string _dir = Directory.CreateTempSubdirectory("codec-").FullName;

    /// <summary>Half random, half repetitive: compressible like etcd data, but not trivially.</summary>
    private static byte[] Data(int length, int seed = 5)
    {
        var data = new byte[length];
        var random = new Random(seed);
        for (var i = 0; i < length; i += 64)
        {
            var block = data.AsSpan(i, Math.Min(64, length - i));
            if ((i / 64) % 2 == 0)
            {
                random.NextBytes(block);
            }
            else
            {
                block.Fill((byte)'k');
            }
        }

        return data;
    }

    private static async Task<byte[]> CompressAsync(byte[] data, CompressionKind kind, int level = 3, int writeSize = 7919)
    {
        using var target = new MemoryStream();
        var compressor = Compression.Compress(target, kind, level);
        for (var i = 0; i < data.Length; i += writeSize)
        {
            await compressor.WriteAsync(data.AsMemory(i, Math.Min(writeSize, data.Length - i)));
        }

        await Compression.FinishAsync(compressor);
        compressor.Dispose();
        return target.ToArray();
    }

    private static async Task<byte[]> DecompressAsync(byte[] data, CompressionKind kind, long max = long.MaxValue)
    {
        await using var source = Compression.Decompress(new MemoryStream(data), kind, max);
        using var output = new MemoryStream();
        await source.CopyToAsync(output, 4096);
        return output.ToArray();
    }

    [Theory]
    [InlineData(CompressionKind.Zstd, 0)]
    [InlineData(CompressionKind.Zstd, 1)]
    [InlineData(CompressionKind.Zstd, Chunk - 1)]
    [InlineData(CompressionKind.Zstd, Chunk)]
    [InlineData(CompressionKind.Zstd, Chunk + 1)]
    [InlineData(CompressionKind.Zstd, 24 * 1024 * 1024)]
    [InlineData(CompressionKind.Gzip, 0)]
    [InlineData(CompressionKind.Gzip, 1)]
    [InlineData(CompressionKind.Gzip, Chunk + 1)]
    [InlineData(CompressionKind.Gzip, 24 * 1024 * 1024)]
    [InlineData(CompressionKind.None, 0)]
    [InlineData(CompressionKind.None, Chunk + 1)]
    public async Task RoundTripsEveryByte(CompressionKind kind, int length)
    {
        var data = Data(length);
        var compressed = await CompressAsync(data, kind);

        Assert.Equal(data, await DecompressAsync(compressed, kind));
        if (length > 0)
        {
            // (.NET's GZipStream writes nothing at all for empty input; an empty snapshot never reaches a codec.)
            Assert.Equal(kind, Compression.Detect(compressed));
        }
        if (kind != CompressionKind.None && length > Chunk)
        {
            Assert.True(compressed.Length < data.Length * 0.8, $"{kind} did not compress: {compressed.Length} of {data.Length}");
        }
    }

    [Fact]
    public async Task TheRealSnapshotRoundTripsThroughZstd()
    {
        var snapshot = await File.ReadAllBytesAsync(SnapshotFixture.FixturePath("valid-small.db"));
        Assert.Equal(snapshot, await DecompressAsync(await CompressAsync(snapshot, CompressionKind.Zstd), CompressionKind.Zstd));
    }

    [Fact]
    public async Task TruncatedZstdIsAnErrorNotAShortSnapshot()
    {
        var compressed = await CompressAsync(Data(1_000_000), CompressionKind.Zstd);

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => DecompressAsync(compressed[..^10], CompressionKind.Zstd));
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FlippedByteInZstdIsDetectedByItsChecksum()
    {
        var compressed = await CompressAsync(Data(1_000_000), CompressionKind.Zstd);
        compressed[compressed.Length / 2] ^= 0x10;

        await Assert.ThrowsAsync<InvalidDataException>(() => DecompressAsync(compressed, CompressionKind.Zstd));
    }

    [Theory]
    [InlineData(CompressionKind.Zstd)]
    [InlineData(CompressionKind.Gzip)]
    public async Task ABombStopsAtTheConfiguredLimit(CompressionKind kind)
    {
        // 64 MiB of zeros compress to a few KB; the decoder must stop at 1 MiB, not fill memory or disk.
        var bomb = await CompressAsync(new byte[64 * 1024 * 1024], kind, writeSize: 1 << 20);
        Assert.True(bomb.Length < 200_000);

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => DecompressAsync(bomb, kind, max: 1024 * 1024));
        Assert.Contains("limit", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ZstdCliDecodesOursAndWeDecodeTheClis()
    {
        var data = Data(3_000_000);
        var ours = Path.Combine(_dir, "ours.zst");
        await File.WriteAllBytesAsync(ours, await CompressAsync(data, CompressionKind.Zstd, level: 1));
        Assert.Equal(0, await RunAsync("zstd", "-q", "-d", "-f", ours, "-o", Path.Combine(_dir, "ours.out")));
        Assert.Equal(data, await File.ReadAllBytesAsync(Path.Combine(_dir, "ours.out")));

        var raw = Path.Combine(_dir, "raw.bin");
        await File.WriteAllBytesAsync(raw, data);
        Assert.Equal(0, await RunAsync("zstd", "-q", "-3", "-f", raw, "-o", Path.Combine(_dir, "cli.zst")));
        Assert.Equal(data, await DecompressAsync(await File.ReadAllBytesAsync(Path.Combine(_dir, "cli.zst")), CompressionKind.Zstd));
    }

    [Fact]
    public async Task GzipCliDecodesOurs()
    {
        var data = Data(2_000_000);
        var ours = Path.Combine(_dir, "ours.gz");
        await File.WriteAllBytesAsync(ours, await CompressAsync(data, CompressionKind.Gzip, level: 1));

        Assert.Equal(0, await RunAsync("gzip", "-d", "-f", ours));
        Assert.Equal(data, await File.ReadAllBytesAsync(Path.Combine(_dir, "ours")));
    }

    private static async Task<int> RunAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        await p.WaitForExitAsync();
        return p.ExitCode;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}

using System.Security.Cryptography;
using EtcdAgent.Snapshots;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Snapshots;

public sealed class Sha256TrailerTests
{
    private static byte[] SnapshotLike(int dataLength, int seed = 1)
    {
        var data = new byte[dataLength];
        new Random(seed).NextBytes(data);
        return [.. data, .. SHA256.HashData(data)];
    }

    private static TrailerResult Feed(byte[] bytes, int chunk)
    {
        using var trailer = new Sha256Trailer();
        for (var i = 0; i < bytes.Length; i += chunk)
        {
            trailer.Append(bytes.AsSpan(i, Math.Min(chunk, bytes.Length - i)));
        }

        return trailer.Complete();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(4096)]
    [InlineData(32 * 1024)]
    [InlineData(1 << 20)]
    public void ValidStreamPassesWhateverTheChunkSize(int chunk)
    {
        var bytes = SnapshotLike(100_000);
        var result = Feed(bytes, chunk);

        Assert.True(result.Valid, result.Problem);
        Assert.Equal(100_000, result.DataBytes);
        Assert.Equal(bytes[^32..], result.Computed);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(50_000)]
    [InlineData(99_999)]
    [InlineData(100_000)]
    [InlineData(100_031)]
    public void AnyFlippedByteIsDetected(int position)
    {
        var bytes = SnapshotLike(100_000);
        bytes[position] ^= 0x01;

        var result = Feed(bytes, 32 * 1024);

        Assert.False(result.Valid);
        Assert.Contains("trailer says", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void StreamShorterThanATrailerIsRejected()
    {
        var result = Feed(new byte[31], 8);
        Assert.False(result.Valid);
        Assert.Contains("too short", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedStreamIsDetected()
    {
        var bytes = SnapshotLike(100_000);
        Assert.False(Feed(bytes[..^1], 4096).Valid);
    }

    [Fact]
    public void EmptyDataWithItsHashIsValid() => Assert.True(Feed(SHA256.HashData([]), 32).Valid);
}

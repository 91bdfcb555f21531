using EtcdAgent.Protocol.Grpc;
using Etcdserverpb;
using Xunit;

namespace EtcdAgent.UnitTests.Protocol.Grpc;

public sealed class GrpcWireTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a%20b", "a b")]
    [InlineData("%E2%9C%93", "\u2713")]
    [InlineData("100%", "100%")]
    [InlineData("bad %zz escape", "bad %zz escape")]
    [InlineData("%FF", "\uFFFD")]
    [InlineData("", "")]
    public void DecodeIsLenientAndNeverThrows(string raw, string expected) =>
        Assert.Equal(expected, GrpcMessageText.Decode(raw));

    [Theory]
    [InlineData(1, "1000000n")]
    [InlineData(300, "300000u")]
    [InlineData(5000, "5000000u")]
    [InlineData(3_600_000, "3600000m")]
    [InlineData(1_000_000_000, "1000000S")]
    public void TimeoutHeaderUsesAtMostEightDigits(long milliseconds, string expected)
    {
        var header = GrpcTimeoutHeader.Format(TimeSpan.FromMilliseconds(milliseconds));
        Assert.Equal(expected, header);
        Assert.True(header.Length <= 9);
    }

    [Fact]
    public async Task ReaderReassemblesMessagesFromOneByteReads()
    {
        var bytes = GrpcFraming.Frame(new RangeResponse { Count = 5 }).Concat(GrpcFraming.Frame(new RangeResponse { Count = 6 })).ToArray();
        using var reader = new GrpcMessageReader(new TrickleStream(bytes), 1024);

        // The returned bytes are valid until the next read (the buffer is reused), so decode each at once.
        var first = RangeResponse.Parser.ParseFrom((await reader.ReadAsync(default))!.Value.Span);
        var second = RangeResponse.Parser.ParseFrom((await reader.ReadAsync(default))!.Value.Span);
        var end = await reader.ReadAsync(default);

        Assert.Equal(5, first.Count);
        Assert.Equal(6, second.Count);
        Assert.Null(end);
    }

    [Fact]
    public async Task ReaderRejectsAStreamEndingInsideTheHeader()
    {
        using var reader = new GrpcMessageReader(new MemoryStream([0, 0, 0]), 1024);
        var ex = await Assert.ThrowsAsync<RpcException>(() => reader.ReadAsync(default).AsTask());
        Assert.Equal(GrpcStatusCode.Internal, ex.StatusCode);
    }

    [Fact]
    public async Task ReaderRejectsCompressedMessagesItNeverAskedFor()
    {
        using var reader = new GrpcMessageReader(new MemoryStream([1, 0, 0, 0, 1, 42]), 1024);
        var ex = await Assert.ThrowsAsync<RpcException>(() => reader.ReadAsync(default).AsTask());
        Assert.Contains("compressed", ex.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReaderAcceptsAnEmptyMessage()
    {
        using var reader = new GrpcMessageReader(new MemoryStream([0, 0, 0, 0, 0]), 1024);
        var message = await reader.ReadAsync(default);
        Assert.Equal(0, message!.Value.Length);
    }

    /// <summary>Returns one byte per read, the worst a network can do.</summary>
    private sealed class TrickleStream(byte[] data) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(1, buffer.Length)], cancellationToken);
    }
}

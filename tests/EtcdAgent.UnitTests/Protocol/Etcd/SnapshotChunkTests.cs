using EtcdAgent.Protocol.Etcd;
using EtcdAgent.Protocol.Grpc;
using Etcdserverpb;
using Google.Protobuf;
using Xunit;

namespace EtcdAgent.UnitTests.Protocol.Etcd;

/// <summary>The in-place decoder must read what Google.Protobuf writes, field for field.</summary>
public sealed class SnapshotChunkTests
{
    [Fact]
    public void DecodesEveryFieldAsProtobufWroteIt()
    {
        var blob = new byte[32 * 1024];
        new Random(3).NextBytes(blob);
        var message = new SnapshotResponse
        {
            Header = new ResponseHeader { ClusterId = 1, MemberId = 2, Revision = 3 },
            RemainingBytes = 123_456_789_012,
            Blob = ByteString.CopyFrom(blob),
            Version = "3.6.0",
        };

        var chunk = SnapshotChunk.Decode(message.ToByteArray());

        Assert.Equal(123_456_789_012UL, chunk.RemainingBytes);
        Assert.Equal(blob, chunk.Blob.ToArray());
        Assert.Equal("3.6.0", chunk.Version);
    }

    [Fact]
    public void EmptyMessageDecodesToDefaults()
    {
        var chunk = SnapshotChunk.Decode(ReadOnlyMemory<byte>.Empty);
        Assert.Equal(0UL, chunk.RemainingBytes);
        Assert.True(chunk.Blob.IsEmpty);
        Assert.Null(chunk.Version);
    }

    [Fact]
    public void UnknownFieldsAreSkipped()
    {
        // field 9 varint, field 10 fixed64, field 11 fixed32, then blob.
        byte[] bytes = [0x48, 0x05, 0x51, 1, 2, 3, 4, 5, 6, 7, 8, 0x5d, 1, 2, 3, 4, 0x1a, 0x02, 0xaa, 0xbb];
        var chunk = SnapshotChunk.Decode(bytes);
        Assert.Equal(new byte[] { 0xaa, 0xbb }, chunk.Blob.ToArray());
    }

    [Theory]
    [InlineData(new byte[] { 0x1a, 0x05, 0x01 })]
    [InlineData(new byte[] { 0x10 })]
    [InlineData(new byte[] { 0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 })]
    [InlineData(new byte[] { 0x1b })]
    [InlineData(new byte[] { 0x51, 1, 2 })]
    public void MalformedBytesAreInternalNotACrash(byte[] bytes)
    {
        var ex = Assert.Throws<RpcException>(() => SnapshotChunk.Decode(bytes));
        Assert.Equal(GrpcStatusCode.Internal, ex.StatusCode);
    }
}

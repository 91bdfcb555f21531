using EtcdAgent.Protocol.Etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace EtcdAgent.UnitTests.Protocol.Etcd;

/// <summary>The snapshot stream's own marshaller against what etcd (and a broken peer) may send.</summary>
public sealed class SnapshotChunkTests
{
    private static async Task<(List<(ulong Remaining, byte[] Blob, string? Version)> Chunks, Exception? Error)> StreamAsync(params byte[][] frames)
    {
        await using var server = await TestGrpcServer.StartAsync(async ctx =>
        {
            TestGrpcServer.StartGrpcResponse(ctx.Response);
            foreach (var frame in frames)
            {
                await ctx.Response.Body.WriteAsync(frame);
            }

            ctx.Response.AppendTrailer("grpc-status", "0");
        });
        using var client = new EtcdClient(new EtcdClientOptions { Endpoints = [server.Address] });
        var chunks = new List<(ulong, byte[], string?)>();
        try
        {
            await foreach (var chunk in client.SnapshotChunksAsync(server.Address))
            {
                chunks.Add((chunk.RemainingBytes, chunk.Blob.ToArray(), chunk.Version));
            }

            return (chunks, null);
        }
        catch (EtcdRpcException ex)
        {
            return (chunks, ex);
        }
    }

    private static byte[] Frame(byte[] body)
    {
        var framed = new byte[5 + body.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1), (uint)body.Length);
        body.CopyTo(framed, 5);
        return framed;
    }

    [Fact]
    public async Task EveryFieldIsReadAndEachBlobIsItsOwnBytes()
    {
        var big = new byte[200 * 1024];
        Random.Shared.NextBytes(big);
        var (chunks, error) = await StreamAsync(
            TestGrpcServer.Frame(new SnapshotResponse { Header = new ResponseHeader { Revision = 5 }, RemainingBytes = 204803, Blob = ByteString.CopyFromUtf8("abc"), Version = "3.6.0" }),
            TestGrpcServer.Frame(new SnapshotResponse { RemainingBytes = 3, Blob = ByteString.CopyFrom(big) }),
            TestGrpcServer.Frame(new SnapshotResponse { Blob = ByteString.CopyFromUtf8("xyz") }));

        Assert.Null(error);
        Assert.Equal(3, chunks.Count);
        Assert.Equal((204803UL, "abc", "3.6.0"), (chunks[0].Remaining, System.Text.Encoding.UTF8.GetString(chunks[0].Blob), chunks[0].Version));
        Assert.Equal(big, chunks[1].Blob);
        Assert.Null(chunks[1].Version);
        Assert.Equal("xyz", System.Text.Encoding.UTF8.GetString(chunks[2].Blob));
    }

    [Fact]
    public async Task UnknownFieldsAroundTheBlobAreSkipped()
    {
        // Field 9 (varint) before and field 10 (bytes) after the blob: a newer etcd may add fields.
        var body = new SnapshotResponse { RemainingBytes = 7, Blob = ByteString.CopyFromUtf8("blob") }.ToByteArray();
        byte[] message = [0x48, 0x01, .. body, 0x52, 0x02, 0xAA, 0xBB];

        var (chunks, error) = await StreamAsync(Frame(message));

        Assert.Null(error);
        var chunk = Assert.Single(chunks);
        Assert.Equal(7UL, chunk.Remaining);
        Assert.Equal("blob", System.Text.Encoding.UTF8.GetString(chunk.Blob));
    }

    [Theory]
    [InlineData(new byte[] { 0x1a, 0x10, 0x01, 0x02 })] // blob longer than the message
    [InlineData(new byte[] { 0x10, 0xff })] // truncated varint
    public async Task MalformedMessageIsInternal(byte[] message)
    {
        var (_, error) = await StreamAsync(Frame(message));

        var rpc = Assert.IsType<EtcdRpcException>(error);
        Assert.Equal(StatusCode.Internal, rpc.StatusCode);
        Assert.Contains("malformed SnapshotResponse", rpc.Detail, StringComparison.Ordinal);
    }
}

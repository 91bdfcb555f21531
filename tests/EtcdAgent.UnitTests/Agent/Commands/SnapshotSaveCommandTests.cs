using System.Security.Cryptography;
using EtcdAgent.Failures;
using EtcdAgent.UnitTests.Protocol.Etcd;
using Etcdserverpb;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Commands;

/// <summary>
/// `snapshot save` against an in-process server that streams a snapshot it can damage on purpose, something a
/// real etcd never does on demand.
/// </summary>
public sealed class SnapshotSaveCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("save-").FullName;

    private static Func<HttpContext, Task> Serve(byte[] data, byte[] trailer, long? announcedSize = null) => ctx =>
    {
        if (ctx.Request.Path.Value!.EndsWith("/Status", StringComparison.Ordinal))
        {
            return TestGrpcServer.RespondAsync(ctx, new StatusResponse
            {
                Header = new ResponseHeader { MemberId = 0xabc, ClusterId = 0xdef, Revision = 42 },
                Version = "3.4.23",
                RaftIndex = 99,
            });
        }

        var total = announcedSize ?? data.Length;
        var messages = new List<IMessage>();
        var sent = 0;
        while (sent < data.Length)
        {
            var n = Math.Min(32 * 1024, data.Length - sent);
            sent += n;
            messages.Add(new SnapshotResponse { RemainingBytes = (ulong)(total - sent), Blob = ByteString.CopyFrom(data, sent - n, n) });
        }

        messages.Add(new SnapshotResponse { Blob = ByteString.CopyFrom(trailer) });
        return TestGrpcServer.RespondAsync(ctx, [.. messages]);
    };

    private static byte[] Data(int length)
    {
        var data = new byte[length];
        new Random(7).NextBytes(data);
        return data;
    }

    private async Task<(int Code, CliHarness Cli, string Path)> SaveAsync(Func<HttpContext, Task> handler)
    {
        await using var server = await TestGrpcServer.StartAsync(handler);
        var cli = new CliHarness();
        var path = Path.Combine(_dir, "snap.db");
        var code = await cli.RunAsync("snapshot", "save", path, "--endpoints", server.Address.ToString(), "-w", "json");
        return (code, cli, path);
    }

    [Fact]
    public async Task GoodStreamIsSavedWithItsVerifiedSha()
    {
        var data = Data(100_000);
        var (code, cli, path) = await SaveAsync(Serve(data, SHA256.HashData(data)));

        Assert.True(code == ExitCodes.Success, cli.Error.ToString());
        var saved = await File.ReadAllBytesAsync(path);
        byte[] expected = [.. data, .. SHA256.HashData(data)];
        Assert.Equal(expected, saved);
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(data)), cli.Out.ToString(), StringComparison.Ordinal);
        Assert.Contains("\"revision\": 42", cli.Out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongTrailerIsCorruptAndLeavesNoFile()
    {
        var data = Data(100_000);
        var badTrailer = SHA256.HashData(data);
        badTrailer[5] ^= 0xff;

        var (code, cli, path) = await SaveAsync(Serve(data, badTrailer));

        Assert.Equal(ExitCodes.Corrupt, code);
        Assert.Contains("integrity check", cli.Error.ToString(), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_dir));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task FewerBytesThanAnnouncedIsCorrupt()
    {
        var data = Data(100_000);
        var (code, cli, _) = await SaveAsync(Serve(data, SHA256.HashData(data), announcedSize: 200_000));

        Assert.Equal(ExitCodes.Corrupt, code);
        Assert.Contains("announced 200000", cli.Error.ToString(), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public async Task StreamResetMidwayIsReportedAsCutAndLeavesNoFile()
    {
        var (code, cli, _) = await SaveAsync(async ctx =>
        {
            if (ctx.Request.Path.Value!.EndsWith("/Status", StringComparison.Ordinal))
            {
                await TestGrpcServer.RespondAsync(ctx, new StatusResponse { Header = new ResponseHeader() });
                return;
            }

            TestGrpcServer.StartGrpcResponse(ctx.Response);
            await ctx.Response.Body.WriteAsync(TestGrpcServer.Frame(new SnapshotResponse { RemainingBytes = 10, Blob = ByteString.CopyFrom(new byte[1000]) }));
            await ctx.Response.Body.FlushAsync();

            // Give the client time to consume the first blob: a reset discards data not yet read, and a reset before
            // any data is gRPC Internal (exit 1), not a cut stream. 500 ms was not always enough on a loaded CI machine.
            await Task.Delay(3000);
            ctx.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResetFeature>()!.Reset(0x2);
        });

        Assert.True(code == ExitCodes.Unavailable, cli.Error.ToString());
        Assert.Contains("snapshot stream from", cli.Error.ToString(), StringComparison.Ordinal);
        Assert.Contains(" broke after ", cli.Error.ToString(), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_dir));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}

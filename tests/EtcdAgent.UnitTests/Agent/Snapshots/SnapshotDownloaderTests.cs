using EtcdAgent.Protocol.Etcd;
using EtcdAgent.Snapshots;
using EtcdAgent.UnitTests.Protocol.Etcd;
using Etcdserverpb;
using Google.Protobuf;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Snapshots;

public sealed class SnapshotDownloaderTests
{
    [Fact]
    public async Task StalledStreamEndsAfterTheStallTimeoutInsteadOfHanging()
    {
        await using var server = await TestGrpcServer.StartAsync(async ctx =>
        {
            if (ctx.Request.Path.Value!.EndsWith("/Status", StringComparison.Ordinal))
            {
                await TestGrpcServer.RespondAsync(ctx, new StatusResponse { Header = new ResponseHeader() });
                return;
            }

            TestGrpcServer.StartGrpcResponse(ctx.Response);
            await ctx.Response.Body.WriteAsync(TestGrpcServer.Frame(new SnapshotResponse { RemainingBytes = 1 << 20, Blob = ByteString.CopyFrom(new byte[4096]) }));
            await ctx.Response.Body.FlushAsync();
            await Task.Delay(Timeout.Infinite, ctx.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        using var client = new EtcdClient(new EtcdClientOptions { Endpoints = [server.Address] });
        using var sink = new MemoryStream();
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<SnapshotException>(() =>
            SnapshotDownloader.DownloadAsync(client, server.Address, sink, TimeProvider.System, default, TimeSpan.FromSeconds(2)))
            .WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(SnapshotFault.StreamCut, ex.Fault);
        Assert.Contains("stalled", ex.Message, StringComparison.Ordinal);
        Assert.Contains("4096 bytes", ex.Message, StringComparison.Ordinal);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(15));
    }
}

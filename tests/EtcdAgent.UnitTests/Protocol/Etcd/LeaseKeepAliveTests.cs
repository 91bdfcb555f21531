using EtcdAgent.Protocol.Etcd;
using Etcdserverpb;
using Xunit;

namespace EtcdAgent.UnitTests.Protocol.Etcd;

public sealed class LeaseKeepAliveTests
{
    [Fact]
    public async Task SilentMemberCannotHideAnExpiredLease()
    {
        // Acknowledges the first renewal, then reads further requests and never answers: the stream stays open
        // and healthy-looking while the lease runs out.
        await using var server = await TestGrpcServer.StartAsync(async ctx =>
        {
            var first = await TestGrpcServer.ReadMessageAsync(ctx.Request);
            TestGrpcServer.StartGrpcResponse(ctx.Response);
            await ctx.Response.Body.WriteAsync(TestGrpcServer.Frame(new LeaseKeepAliveResponse { ID = LeaseKeepAliveRequest.Parser.ParseFrom(first).ID, TTL = 2 }));
            await ctx.Response.Body.FlushAsync();
            while (await TestGrpcServer.ReadMessageAsync(ctx.Request) is not null)
            {
            }
        });
        using var client = new EtcdClient(new EtcdClientOptions { Endpoints = [server.Address] });
        var watch = System.Diagnostics.Stopwatch.StartNew();

        await using var keepAlive = client.KeepAlive(7, TimeSpan.FromSeconds(2));
        var reason = await keepAlive.Lost.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Contains("expired", reason, StringComparison.Ordinal);
        Assert.Equal(1, keepAlive.Renewals);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(8));
    }
}

using EtcdAgent.Protocol.Etcd;
using Etcdserverpb;
using Grpc.Core;
using Xunit;

namespace EtcdAgent.UnitTests.Protocol.Etcd;

/// <summary>Failover rules, checked against in-process servers that count what reached them.</summary>
public sealed class EtcdClientFailoverTests
{
    private static Task UnavailableAfterReading(Microsoft.AspNetCore.Http.HttpContext ctx) =>
        ReadThen(ctx, () =>
        {
            TestGrpcServer.StartGrpcResponse(ctx.Response);
            ctx.Response.Headers["grpc-status"] = "14";
            ctx.Response.Headers["grpc-message"] = "etcdserver: request timed out";
        });

    private static async Task ReadThen(Microsoft.AspNetCore.Http.HttpContext ctx, Action respond)
    {
        await TestGrpcServer.ReadMessageAsync(ctx.Request);
        respond();
    }

    private static Task Healthy(Microsoft.AspNetCore.Http.HttpContext ctx) =>
        ctx.Request.Path.Value!.EndsWith("/Put", StringComparison.Ordinal)
            ? TestGrpcServer.RespondAsync(ctx, new PutResponse { Header = new ResponseHeader { Revision = 9 } })
            : TestGrpcServer.RespondAsync(ctx, new RangeResponse { Count = 3 });

    private static EtcdClient Client(params Uri[] endpoints) => new(new EtcdClientOptions { Endpoints = endpoints });

    [Fact]
    public async Task PutIsNotResentWhenTheFirstMemberReceivedIt()
    {
        await using var first = await TestGrpcServer.StartAsync(UnavailableAfterReading);
        await using var second = await TestGrpcServer.StartAsync(Healthy);
        using var client = Client(first.Address, second.Address);

        var ex = await Assert.ThrowsAsync<EtcdRpcException>(() => client.PutAsync("/k", "v"));

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Equal(1, first.Requests);
        Assert.Equal(0, second.Requests);
    }

    [Fact]
    public async Task RangeFailsOverWhenTheFirstMemberIsUnavailable()
    {
        await using var first = await TestGrpcServer.StartAsync(UnavailableAfterReading);
        await using var second = await TestGrpcServer.StartAsync(Healthy);
        using var client = Client(first.Address, second.Address);

        var response = await client.GetAsync("/k");

        Assert.Equal(3, response.Count);
        Assert.Equal(1, first.Requests);
        Assert.Equal(1, second.Requests);
    }

    [Fact]
    public async Task PutFailsOverWhenTheFirstMemberRefusesConnections()
    {
        await using var second = await TestGrpcServer.StartAsync(Healthy);
        using var client = Client(new Uri($"http://127.0.0.1:{EtcdClientErrorTests.FreePort()}"), second.Address);

        var response = await client.PutAsync("/k", "v");

        Assert.Equal(9, response.Header.Revision);
        Assert.Equal(1, second.Requests);
    }

    [Fact]
    public async Task LaterCallsStartAtTheMemberThatLastAnswered()
    {
        await using var second = await TestGrpcServer.StartAsync(Healthy);
        using var client = Client(new Uri($"http://127.0.0.1:{EtcdClientErrorTests.FreePort()}"), second.Address);

        await client.GetAsync("/a");
        await client.PutAsync("/b", "v");

        Assert.Equal(2, second.Requests);
    }

    [Fact]
    public async Task WhenEveryMemberFailsTheErrorNamesEachOne()
    {
        var a = new Uri($"http://127.0.0.1:{EtcdClientErrorTests.FreePort()}");
        var b = new Uri($"http://127.0.0.1:{EtcdClientErrorTests.FreePort()}");
        using var client = Client(a, b);

        var ex = await Assert.ThrowsAsync<EtcdRpcException>(() => client.GetAsync("/k"));

        Assert.Contains(a.Authority, ex.Detail, StringComparison.Ordinal);
        Assert.Contains(b.Authority, ex.Detail, StringComparison.Ordinal);
        Assert.True(ex.RequestNotSent);
    }

    [Theory]
    [InlineData(StatusCode.Unavailable, true, false, true)]
    [InlineData(StatusCode.Unavailable, false, false, false)]
    [InlineData(StatusCode.Unavailable, false, true, true)]
    [InlineData(StatusCode.PermissionDenied, true, false, false)]
    [InlineData(StatusCode.DeadlineExceeded, true, false, true)]
    public void CanFailOverOnlyWhenResendingIsSafe(StatusCode code, bool idempotent, bool notSent, bool expected) =>
        Assert.Equal(expected, EtcdClient.CanFailOver(new EtcdRpcException(code, "x") { RequestNotSent = notSent }, idempotent));
}

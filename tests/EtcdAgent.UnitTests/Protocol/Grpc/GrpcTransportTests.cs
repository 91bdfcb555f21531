using EtcdAgent.Protocol.Grpc;
using Etcdserverpb;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Xunit;

namespace EtcdAgent.UnitTests.Protocol.Grpc;

public sealed class GrpcTransportTests : IDisposable
{
    private static readonly GrpcMethod<RangeRequest, RangeResponse> Range =
        new("/etcdserverpb.KV/Range", RangeResponse.Parser, Idempotent: true);

    private static readonly GrpcMethod<SnapshotRequest, SnapshotResponse> Snapshot =
        new("/etcdserverpb.Maintenance/Snapshot", SnapshotResponse.Parser, Idempotent: true);

    private static readonly GrpcMethod<LeaseKeepAliveRequest, LeaseKeepAliveResponse> KeepAlive =
        new("/etcdserverpb.Lease/LeaseKeepAlive", LeaseKeepAliveResponse.Parser, Idempotent: true);

    private readonly SocketsHttpHandler _handler = new();

    private GrpcChannel Channel(TestGrpcServer server, int maxMessage = 64 << 20) =>
        new(server.Address, _handler, maxMessage, TimeProvider.System);

    private static CallOptions Deadline(double seconds = 10) => new() { Timeout = TimeSpan.FromSeconds(seconds) };

    [Fact]
    public async Task UnaryReassemblesAResponseSplitAcrossDataFramesAndSendsGrpcHeaders()
    {
        IHeaderDictionary? seen = null;
        string? path = null;
        await using var server = await TestGrpcServer.StartAsync(async ctx =>
        {
            seen = ctx.Request.Headers;
            path = ctx.Request.Path;
            var request = RangeRequest.Parser.ParseFrom(await TestGrpcServer.ReadMessageAsync(ctx.Request));
            TestGrpcServer.StartGrpcResponse(ctx.Response);
            var framed = TestGrpcServer.Frame(new RangeResponse { Count = 42, More = true, Header = new ResponseHeader { Revision = request.Limit } });
            foreach (var b in framed)
            {
                // One DATA frame per byte: message boundaries and frame boundaries are unrelated.
                await ctx.Response.Body.WriteAsync(new[] { b });
                await ctx.Response.Body.FlushAsync();
            }

            ctx.Response.AppendTrailer("grpc-status", "0");
        });
        using var channel = Channel(server);

        var response = await channel.UnaryAsync(Range, new RangeRequest { Limit = 7 }, Deadline(5), default);

        Assert.Equal(42, response.Count);
        Assert.Equal(7, response.Header.Revision);
        Assert.Equal("/etcdserverpb.KV/Range", path);
        Assert.Equal("trailers", seen!["te"].ToString());
        Assert.Equal("application/grpc", seen["content-type"].ToString());
        Assert.Equal("5000000u", seen["grpc-timeout"].ToString());
    }

    [Fact]
    public async Task TrailersOnlyErrorCarriesTheCodeAndTheDecodedMessage()
    {
        await using var server = await TestGrpcServer.StartAsync(ctx =>
        {
            TestGrpcServer.StartGrpcResponse(ctx.Response);
            ctx.Response.Headers["grpc-status"] = "7";
            ctx.Response.Headers["grpc-message"] = "auth%3A permission denied %E2%9C%93 100%";
            return Task.CompletedTask;
        });
        using var channel = Channel(server);

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(Range, new RangeRequest(), Deadline(), default));

        Assert.Equal(GrpcStatusCode.PermissionDenied, ex.StatusCode);
        Assert.Equal("auth: permission denied \u2713 100%", ex.Detail);
        Assert.Equal(server.Address, ex.Endpoint);
    }

    [Fact]
    public async Task ErrorStatusInTrailersAfterMessagesEndsTheStreamWithThatCode()
    {
        await using var server = await TestGrpcServer.StartAsync(async ctx =>
        {
            TestGrpcServer.StartGrpcResponse(ctx.Response);
            await ctx.Response.Body.WriteAsync(TestGrpcServer.Frame(new SnapshotResponse { RemainingBytes = 2 }));
            await ctx.Response.Body.WriteAsync(TestGrpcServer.Frame(new SnapshotResponse { RemainingBytes = 1 }));
            ctx.Response.AppendTrailer("grpc-status", "14");
            ctx.Response.AppendTrailer("grpc-message", "etcdserver: no leader");
        });
        using var channel = Channel(server);
        var received = new List<ulong>();

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var m in channel.ServerStreamingAsync(Snapshot, new SnapshotRequest(), Deadline(), default))
            {
                received.Add(m.RemainingBytes);
            }
        });

        Assert.Equal([2UL, 1UL], received);
        Assert.Equal(GrpcStatusCode.Unavailable, ex.StatusCode);
        Assert.Equal("etcdserver: no leader", ex.Detail);
    }

    [Fact]
    public async Task MissingGrpcStatusIsUnknown()
    {
        await using var server = await TestGrpcServer.StartAsync(async ctx =>
        {
            TestGrpcServer.StartGrpcResponse(ctx.Response);
            await ctx.Response.Body.WriteAsync(TestGrpcServer.Frame(new RangeResponse { Count = 1 }));
        });
        using var channel = Channel(server);

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(Range, new RangeRequest(), Deadline(), default));

        Assert.Equal(GrpcStatusCode.Unknown, ex.StatusCode);
        Assert.Contains("without a grpc-status", ex.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(404, GrpcStatusCode.Unimplemented)]
    [InlineData(503, GrpcStatusCode.Unavailable)]
    [InlineData(401, GrpcStatusCode.Unauthenticated)]
    [InlineData(403, GrpcStatusCode.PermissionDenied)]
    [InlineData(400, GrpcStatusCode.Internal)]
    [InlineData(500, GrpcStatusCode.Unknown)]
    public async Task NonOkHttpStatusWithoutGrpcStatusMapsByTheTable(int httpStatus, GrpcStatusCode expected)
    {
        await using var server = await TestGrpcServer.StartAsync(ctx =>
        {
            ctx.Response.StatusCode = httpStatus;
            return Task.CompletedTask;
        });
        using var channel = Channel(server);

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(Range, new RangeRequest(), Deadline(), default));

        Assert.Equal(expected, ex.StatusCode);
        Assert.Contains(httpStatus.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NonGrpcContentTypeIsCancelled()
    {
        await using var server = await TestGrpcServer.StartAsync(async ctx =>
        {
            ctx.Response.ContentType = "text/html";
            await ctx.Response.WriteAsync("<html>a proxy error page</html>");
        });
        using var channel = Channel(server);

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(Range, new RangeRequest(), Deadline(), default));

        Assert.Equal(GrpcStatusCode.Cancelled, ex.StatusCode);
        Assert.Contains("text/html", ex.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0x8, GrpcStatusCode.Cancelled, false)]
    [InlineData(0xb, GrpcStatusCode.ResourceExhausted, false)]
    [InlineData(0xc, GrpcStatusCode.PermissionDenied, false)]
    [InlineData(0x7, GrpcStatusCode.Unavailable, true)]
    [InlineData(0x2, GrpcStatusCode.Internal, false)]
    public async Task RstStreamMapsToTheGrpcCode(int errorCode, GrpcStatusCode expected, bool notSent)
    {
        await using var server = await TestGrpcServer.StartAsync(async ctx =>
        {
            TestGrpcServer.StartGrpcResponse(ctx.Response);
            await ctx.Response.Body.FlushAsync();
            ctx.Features.Get<IHttpResetFeature>()!.Reset(errorCode);
        });
        using var channel = Channel(server);

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(Range, new RangeRequest(), Deadline(), default));

        Assert.Equal(expected, ex.StatusCode);
        Assert.Equal(notSent, ex.RequestNotSent);
        Assert.Contains("reset", ex.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SlowServerEndsWithDeadlineExceeded()
    {
        string? timeoutHeader = null;
        await using var server = await TestGrpcServer.StartAsync(async ctx =>
        {
            timeoutHeader = ctx.Request.Headers["grpc-timeout"];
            await Task.Delay(Timeout.Infinite, ctx.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        using var channel = Channel(server);
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            channel.UnaryAsync(Range, new RangeRequest(), new CallOptions { Timeout = TimeSpan.FromMilliseconds(300) }, default));

        Assert.Equal(GrpcStatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.Equal("300000u", timeoutHeader);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task CancellingMidStreamThrowsOperationCanceledAndResetsTheStream()
    {
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestGrpcServer.StartAsync(async ctx =>
        {
            ctx.RequestAborted.Register(() => aborted.TrySetResult());
            TestGrpcServer.StartGrpcResponse(ctx.Response);
            await ctx.Response.Body.WriteAsync(TestGrpcServer.Frame(new SnapshotResponse { RemainingBytes = 9 }));
            await ctx.Response.Body.FlushAsync();
            await Task.Delay(Timeout.Infinite, ctx.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        using var channel = Channel(server);
        using var cts = new CancellationTokenSource();
        var received = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var unused in channel.ServerStreamingAsync(Snapshot, new SnapshotRequest(), CallOptions.Default, cts.Token))
            {
                received++;
                await cts.CancelAsync();
            }
        });

        Assert.Equal(1, received);
        await aborted.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task ServerStreamingDeliversLargeAndManyMessagesThenEnds()
    {
        var large = new byte[8 << 20];
        Random.Shared.NextBytes(large);
        await using var server = await TestGrpcServer.StartAsync(ctx => TestGrpcServer.RespondAsync(ctx,
            new SnapshotResponse { RemainingBytes = 3, Blob = ByteString.CopyFrom(large) },
            new SnapshotResponse { RemainingBytes = 2 },
            new SnapshotResponse { RemainingBytes = 0, Blob = ByteString.CopyFromUtf8("end") }));
        using var channel = Channel(server);

        var messages = new List<SnapshotResponse>();
        await foreach (var m in channel.ServerStreamingAsync(Snapshot, new SnapshotRequest(), Deadline(), default))
        {
            messages.Add(m);
        }

        Assert.Equal(3, messages.Count);
        Assert.Equal(large, messages[0].Blob.ToByteArray());
        Assert.Equal("end", messages[2].Blob.ToStringUtf8());
    }

    [Fact]
    public async Task MessageOverTheLimitIsResourceExhausted()
    {
        await using var server = await TestGrpcServer.StartAsync(ctx => TestGrpcServer.RespondAsync(ctx,
            new SnapshotResponse { Blob = ByteString.CopyFrom(new byte[2048]) }));
        using var channel = Channel(server, maxMessage: 1024);

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var unused in channel.ServerStreamingAsync(Snapshot, new SnapshotRequest(), Deadline(), default))
            {
            }
        });

        Assert.Equal(GrpcStatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task BodyEndingInsideAMessageIsInternal()
    {
        await using var server = await TestGrpcServer.StartAsync(async ctx =>
        {
            TestGrpcServer.StartGrpcResponse(ctx.Response);
            var framed = TestGrpcServer.Frame(new RangeResponse { Count = 123456 });
            await ctx.Response.Body.WriteAsync(framed.AsMemory(0, framed.Length - 2));
            ctx.Response.AppendTrailer("grpc-status", "0");
        });
        using var channel = Channel(server);

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(Range, new RangeRequest(), Deadline(), default));

        Assert.Equal(GrpcStatusCode.Internal, ex.StatusCode);
        Assert.Contains("inside a message", ex.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TrailersOnlyOkIsACleanEmptyStream()
    {
        await using var server = await TestGrpcServer.StartAsync(ctx =>
        {
            TestGrpcServer.StartGrpcResponse(ctx.Response);
            ctx.Response.Headers["grpc-status"] = "0";
            return Task.CompletedTask;
        });
        using var channel = Channel(server);

        var messages = 0;
        await foreach (var unused in channel.ServerStreamingAsync(Snapshot, new SnapshotRequest(), Deadline(), default))
        {
            messages++;
        }

        var unary = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(Range, new RangeRequest(), Deadline(), default));
        Assert.Equal(0, messages);
        Assert.Equal(GrpcStatusCode.Internal, unary.StatusCode);
        Assert.Contains("no response message", unary.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnaryOkWithoutAMessageIsInternal()
    {
        await using var server = await TestGrpcServer.StartAsync(ctx => TestGrpcServer.RespondAsync(ctx));
        using var channel = Channel(server);

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(Range, new RangeRequest(), Deadline(), default));

        Assert.Equal(GrpcStatusCode.Internal, ex.StatusCode);
    }

    [Fact]
    public async Task DuplexWorksWithAServerThatAnswersOnlyAfterTheFirstMessage()
    {
        // Like etcd: no response headers until a request message has arrived.
        await using var server = await TestGrpcServer.StartAsync(async ctx =>
        {
            var first = true;
            while (await TestGrpcServer.ReadMessageAsync(ctx.Request) is { } bytes)
            {
                if (first)
                {
                    TestGrpcServer.StartGrpcResponse(ctx.Response);
                    first = false;
                }

                var request = LeaseKeepAliveRequest.Parser.ParseFrom(bytes);
                await ctx.Response.Body.WriteAsync(TestGrpcServer.Frame(new LeaseKeepAliveResponse { ID = request.ID, TTL = request.ID * 10 }));
                await ctx.Response.Body.FlushAsync();
            }

            ctx.Response.AppendTrailer("grpc-status", "0");
        });
        using var channel = Channel(server);

        await using var call = channel.StartDuplex(KeepAlive, CallOptions.Default, default);
        var ttls = new List<long>();
        for (var id = 1; id <= 3; id++)
        {
            await call.WriteAsync(new LeaseKeepAliveRequest { ID = id }).WaitAsync(TimeSpan.FromSeconds(5));
            var response = await call.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
            ttls.Add(response!.TTL);
        }

        call.CompleteRequests();
        var end = await call.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal([10L, 20L, 30L], ttls);
        Assert.Null(end);
    }

    [Fact]
    public async Task RefusedConnectionIsUnavailableAndNotSent()
    {
        var port = FreePort();
        using var channel = new GrpcChannel(new Uri($"http://127.0.0.1:{port}"), _handler, 1024, TimeProvider.System);

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(Range, new RangeRequest(), Deadline(), default));

        Assert.Equal(GrpcStatusCode.Unavailable, ex.StatusCode);
        Assert.True(ex.RequestNotSent);
    }

    [Fact]
    public async Task DuplexToARefusedEndpointFailsOnWriteInsteadOfHanging()
    {
        using var channel = new GrpcChannel(new Uri($"http://127.0.0.1:{FreePort()}"), _handler, 1024, TimeProvider.System);
        await using var call = channel.StartDuplex(KeepAlive, CallOptions.Default, default);

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.WriteAsync(new LeaseKeepAliveRequest { ID = 1 }).WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Equal(GrpcStatusCode.Unavailable, ex.StatusCode);
    }

    internal static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose() => _handler.Dispose();
}

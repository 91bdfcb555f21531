using System.Buffers.Binary;
using System.Net;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EtcdAgent.UnitTests.Protocol.Etcd;

/// <summary>
/// An in-process HTTP/2 (h2c) peer on Kestrel whose handler writes raw gRPC responses, so tests can produce
/// exactly the framing, trailers and resets a real server may send. With <see cref="HttpProtocols.Http1"/> it is a
/// plain HTTP endpoint (a webhook receiver).
/// </summary>
public sealed class TestGrpcServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestGrpcServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    private int _requests;

    public int Requests => Volatile.Read(ref _requests);

    public static async Task<TestGrpcServer> StartAsync(Func<HttpContext, Task> handler, HttpProtocols protocols = HttpProtocols.Http2)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0, o => o.Protocols = protocols);
            k.Limits.MaxRequestBodySize = null;
        });
        var app = builder.Build();
        TestGrpcServer? server = null;
        app.Run(async ctx =>
        {
            Interlocked.Increment(ref server!._requests);
            await handler(ctx);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new TestGrpcServer(app, new Uri(address));
        return server;
    }

    public static byte[] Frame(IMessage message)
    {
        var body = message.ToByteArray();
        var framed = new byte[5 + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1), (uint)body.Length);
        body.CopyTo(framed, 5);
        return framed;
    }

    /// <summary>Reads one length-prefixed request message from the request body.</summary>
    public static async Task<byte[]?> ReadMessageAsync(HttpRequest request)
    {
        var header = new byte[5];
        if (!await FillAsync(request.Body, header))
        {
            return null;
        }

        var body = new byte[BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1))];
        return await FillAsync(request.Body, body) ? body : null;
    }

    private static async Task<bool> FillAsync(Stream stream, byte[] buffer)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read));
            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }

    public static void StartGrpcResponse(HttpResponse response)
    {
        response.StatusCode = 200;
        response.ContentType = "application/grpc";
    }

    /// <summary>A complete OK response with the given messages.</summary>
    public static async Task RespondAsync(HttpContext ctx, params IMessage[] messages)
    {
        StartGrpcResponse(ctx.Response);
        foreach (var message in messages)
        {
            await ctx.Response.Body.WriteAsync(Frame(message));
        }

        ctx.Response.AppendTrailer("grpc-status", "0");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

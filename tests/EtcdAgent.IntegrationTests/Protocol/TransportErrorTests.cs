using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EtcdAgent.IntegrationTests.Fixtures;
using EtcdAgent.Protocol.Etcd;
using Grpc.Core;
using Xunit;

namespace EtcdAgent.IntegrationTests.Protocol;

public sealed class TransportErrorTests
{
    [Fact]
    public async Task RefusedEndpointFailsFastAndSaysTheRequestWasNotSent()
    {
        var port = FreePorts.Next();
        using var client = new EtcdClient(new EtcdClientOptions { Endpoints = [new Uri($"http://127.0.0.1:{port}")] });
        var watch = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<EtcdRpcException>(() => client.GetAsync("/x"));

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.True(ex.RequestNotSent);
        Assert.Contains($"127.0.0.1:{port}", ex.Message, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task SilentServerEndsWithDeadlineExceededNotAHang()
    {
        // Accepts TCP connections and never answers: the HTTP/2 handshake stalls, the command timeout ends it.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var client = new EtcdClient(new EtcdClientOptions
        {
            Endpoints = [new Uri($"http://127.0.0.1:{port}")],
            CommandTimeout = TimeSpan.FromSeconds(1),
        });
        var watch = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<EtcdRpcException>(() => client.GetAsync("/x"));

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task EtcdKilledMidSnapshotGivesAClearErrorAndNoHang()
    {
        using var cluster = await EtcdCluster.StartAsync();
        using var client = cluster.Client();

        // ~24 MiB of data: far more than HTTP/2 flow control lets the server push before we read.
        var value = Google.Protobuf.ByteString.CopyFrom(new byte[1024 * 1024]);
        for (var i = 0; i < 24; i++)
        {
            await client.PutAsync(new Etcdserverpb.PutRequest { Key = Google.Protobuf.ByteString.CopyFromUtf8($"/fill/{i}"), Value = value });
        }

        var received = 0L;
        var watch = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<EtcdRpcException>(async () =>
        {
            await foreach (var chunk in client.SnapshotAsync(cluster.First.ClientUrl).WithCancellation(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token))
            {
                if (received == 0)
                {
                    cluster.First.Kill();
                }

                received += chunk.Blob.Length;
            }
        });

        Assert.InRange(received, 1, 20 * 1024 * 1024);
        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.False(ex.RequestNotSent);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
    }
}

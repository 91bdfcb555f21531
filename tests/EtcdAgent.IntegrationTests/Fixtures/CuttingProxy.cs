using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EtcdAgent.IntegrationTests.Fixtures;

/// <summary>
/// A TCP proxy in front of a real etcd (h2c) that passes everything through until the client sends bytes holding
/// <see cref="Marker"/>: from then on nothing more reaches the client, the request is delivered to etcd, and after
/// etcd has had time to apply it both connections are reset. The client sees its connection drop after sending, the
/// one case where it cannot know whether the request took effect.
/// </summary>
public sealed class CuttingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly byte[] _marker;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accept;
    private volatile bool _cut;

    public CuttingProxy(Uri target, string marker)
    {
        _target = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);
        Marker = marker;
        _marker = Encoding.UTF8.GetBytes(marker);
        _listener.Start();
        _accept = AcceptAsync();
    }

    public string Marker { get; }

    public Uri Address => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    /// <summary>True once a request with the marker went through and the connection was cut.</summary>
    public bool Cut => _cut;

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptSocketAsync(_stop.Token);
                var server = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await server.ConnectAsync(_target, _stop.Token);
                _ = PumpAsync(client, server, fromClient: true);
                _ = PumpAsync(server, client, fromClient: false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task PumpAsync(Socket from, Socket to, bool fromClient)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var n = await from.ReceiveAsync(buffer, _stop.Token);
                if (n == 0)
                {
                    break;
                }

                if (fromClient && !_cut && buffer.AsSpan(0, n).IndexOf(_marker) >= 0)
                {
                    _cut = true;
                    await to.SendAsync(buffer.AsMemory(0, n), _stop.Token);

                    // etcd applies the write; its answer never reaches the client. Then reset both sides.
                    await Task.Delay(TimeSpan.FromMilliseconds(700), _stop.Token);
                    from.LingerState = new LingerOption(true, 0);
                    to.LingerState = new LingerOption(true, 0);
                    from.Close();
                    to.Close();
                    return;
                }

                if (!fromClient && _cut)
                {
                    continue;
                }

                await to.SendAsync(buffer.AsMemory(0, n), _stop.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            from.Dispose();
            to.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accept;
        _stop.Dispose();
    }
}

using System.Net;
using System.Net.Sockets;

namespace EtcdAgent.IntegrationTests.Fixtures;

/// <summary>
/// A TCP proxy in front of a store that freezes the first connection to send more than a threshold of bytes (an
/// upload's body) — the bytes stop mid-request as on a hung network path — while every other connection, including
/// the ones a client opens afterwards to abort, passes through. For "stop the service during an upload".
/// </summary>
public sealed class StallingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly long _stallAfterBytes;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _stalled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _accept;
    private int _stalledOnce;

    public StallingProxy(Uri target, long stallAfterBytes)
    {
        _target = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);
        _stallAfterBytes = stallAfterBytes;
        _listener.Start();
        _accept = AcceptAsync();
    }

    public Uri Address => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    /// <summary>Completes when a connection has been frozen mid-request.</summary>
    public Task Stalled => _stalled.Task;

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
        long forwarded = 0;
        try
        {
            while (true)
            {
                var n = await from.ReceiveAsync(buffer, _stop.Token);
                if (n == 0)
                {
                    break;
                }

                forwarded += n;
                if (fromClient && forwarded > _stallAfterBytes && Interlocked.Exchange(ref _stalledOnce, 1) == 0)
                {
                    // Hold the connection open and read nothing more: the sender's window fills and its write hangs.
                    _stalled.TrySetResult();
                    await Task.Delay(Timeout.Infinite, _stop.Token);
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

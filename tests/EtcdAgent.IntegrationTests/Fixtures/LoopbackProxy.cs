using System.Net;
using System.Net.Sockets;

namespace EtcdAgent.IntegrationTests.Fixtures;

/// <summary>
/// A TCP proxy on 127.0.0.1 in front of a real server: each accepted connection gets its own connection to the
/// target, and a subclass decides what each direction passes (<see cref="PumpAsync"/>).
/// </summary>
public abstract class LoopbackProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private Task? _accept;

    protected LoopbackProxy(Uri target)
    {
        ArgumentNullException.ThrowIfNull(target);
        _target = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);
    }

    public Uri Address => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    /// <summary>Cancelled when the proxy is disposed: pumps end with it.</summary>
    protected CancellationTokenSource Stop { get; } = new();

    /// <summary>Starts listening; called by the subclass once its own fields are set.</summary>
    protected void Start()
    {
        _listener.Start();
        _accept = AcceptAsync();
    }

    /// <summary>Moves bytes from <paramref name="source"/> to <paramref name="target"/> until either side ends.</summary>
    protected abstract Task PumpAsync(Socket source, Socket target, bool fromClient);

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptSocketAsync(Stop.Token);
                var server = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await server.ConnectAsync(_target, Stop.Token);
                _ = PumpAsync(client, server, fromClient: true);
                _ = PumpAsync(server, client, fromClient: false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Stop.CancelAsync();
        _listener.Stop();
        if (_accept is not null)
        {
            await _accept;
        }

        Stop.Dispose();
        GC.SuppressFinalize(this);
    }
}

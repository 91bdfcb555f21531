using System.Net.Sockets;

namespace EtcdAgent.IntegrationTests.Fixtures;

/// <summary>
/// A TCP proxy in front of a store that hangs the first connection to send more than a threshold of bytes (an
/// upload's body): nothing more reaches the store and no answer comes back, as on a hung network path, while every
/// other connection, including the ones a client opens afterwards to abort, passes through. For "stop the service
/// during an upload".
/// </summary>
public sealed class StallingProxy : LoopbackProxy
{
    private readonly long _stallAfterBytes;
    private readonly TaskCompletionSource _stalled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _stalledOnce;

    public StallingProxy(Uri target, long stallAfterBytes)
        : base(target)
    {
        _stallAfterBytes = stallAfterBytes;
        Start();
    }

    /// <summary>Completes when a connection has been frozen mid-request.</summary>
    public Task Stalled => _stalled.Task;

    protected override async Task PumpAsync(Socket source, Socket target, bool fromClient)
    {
        var buffer = new byte[64 * 1024];
        long forwarded = 0;
        try
        {
            while (true)
            {
                var n = await source.ReceiveAsync(buffer, Stop.Token);
                if (n == 0)
                {
                    break;
                }

                forwarded += n;
                if (fromClient && forwarded > _stallAfterBytes && Interlocked.Exchange(ref _stalledOnce, 1) == 0)
                {
                    // Nothing more reaches the store and no answer comes back: the client's request hangs. What it still
                    // sends is swallowed; once it gives up and closes, the store's side is reset, as when a client
                    // process dies mid-request — a half-received request left open would keep the store (Ceph RGW)
                    // busy with it long after the test.
                    _stalled.TrySetResult();
                    target.LingerState = new LingerOption(true, 0);
                    while (await source.ReceiveAsync(buffer, Stop.Token) > 0)
                    {
                    }

                    break;
                }

                await target.SendAsync(buffer.AsMemory(0, n), Stop.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            source.Dispose();
            target.Dispose();
        }
    }
}

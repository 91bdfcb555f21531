using System.Net.Sockets;

namespace EtcdAgent.IntegrationTests.Fixtures;

/// <summary>
/// A TCP proxy in front of a store that freezes the first connection to send more than a threshold of bytes (an
/// upload's body) — the bytes stop mid-request as on a hung network path — while every other connection, including
/// the ones a client opens afterwards to abort, passes through. For "stop the service during an upload".
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
                    // Hold the connection open and read nothing more: the sender's window fills and its write hangs.
                    _stalled.TrySetResult();
                    await Task.Delay(Timeout.Infinite, Stop.Token);
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

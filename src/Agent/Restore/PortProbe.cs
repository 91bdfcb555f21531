using System.Net.Sockets;

namespace EtcdAgent.Restore;

/// <summary>Whether anything accepts TCP connections at a URL's host and port: the old member's ports must be closed.</summary>
internal static class PortProbe
{
    public static async Task<bool> IsOpenAsync(Uri url, CancellationToken cancellationToken)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            await socket.ConnectAsync(url.IdnHost, url.Port, limit.Token).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // A silent drop (firewall) is not an answering member.
            return false;
        }
    }

    /// <summary>The first of <paramref name="urls"/> that still answers, or null once none does within the timeout.</summary>
    public static async Task<Uri?> WaitAllClosedAsync(IEnumerable<Uri> urls, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var list = urls.ToList();
        var deadline = time.GetUtcNow() + timeout;
        while (true)
        {
            Uri? open = null;
            foreach (var url in list)
            {
                if (await IsOpenAsync(url, cancellationToken).ConfigureAwait(false))
                {
                    open = url;
                    break;
                }
            }

            if (open is null || time.GetUtcNow() >= deadline)
            {
                return open;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), time, cancellationToken).ConfigureAwait(false);
        }
    }
}

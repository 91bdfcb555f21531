using System.Net.Sockets;
using System.Text;

namespace EtcdAgent.IntegrationTests.Fixtures;

/// <summary>
/// A TCP proxy in front of a real etcd (h2c) that passes everything through until the client sends bytes holding
/// <see cref="Marker"/>: from then on nothing more reaches the client, the request is delivered to etcd, and after
/// etcd has had time to apply it both connections are reset. The client sees its connection drop after sending, the
/// one case where it cannot know whether the request took effect.
/// </summary>
public sealed class CuttingProxy : LoopbackProxy
{
    private readonly byte[] _marker;
    private volatile bool _cut;

    public CuttingProxy(Uri target, string marker)
        : base(target)
    {
        Marker = marker;
        _marker = Encoding.UTF8.GetBytes(marker);
        Start();
    }

    public string Marker { get; }

    /// <summary>True once a request with the marker went through and the connection was cut.</summary>
    public bool Cut => _cut;

    protected override async Task PumpAsync(Socket source, Socket target, bool fromClient)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var n = await source.ReceiveAsync(buffer, Stop.Token);
                if (n == 0)
                {
                    break;
                }

                if (fromClient && !_cut && buffer.AsSpan(0, n).IndexOf(_marker) >= 0)
                {
                    _cut = true;
                    await target.SendAsync(buffer.AsMemory(0, n), Stop.Token);

                    // etcd applies the write; its answer never reaches the client. Then reset both sides.
                    await Task.Delay(TimeSpan.FromMilliseconds(700), Stop.Token);
                    source.LingerState = new LingerOption(true, 0);
                    target.LingerState = new LingerOption(true, 0);
                    source.Close();
                    target.Close();
                    return;
                }

                if (!fromClient && _cut)
                {
                    continue;
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

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EtcdAgent.Drill;

/// <summary>
/// An etcd on 127.0.0.1 with ports the kernel picked, over a restored temp data dir: never the real member's
/// directory or ports. Its output is kept (the tail goes into a failure message) and it is killed on dispose.
/// </summary>
internal sealed class ThrowawayEtcd : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private ThrowawayEtcd(Process process, Uri clientUrl)
    {
        _process = process;
        ClientUrl = clientUrl;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public Uri ClientUrl { get; }

    public bool Exited => _process.HasExited;

    public string LogTail
    {
        get
        {
            lock (_log)
            {
                var text = _log.ToString();
                return text.Length <= 1500 ? text : text[^1500..];
            }
        }
    }

    /// <summary>A loopback port nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static ThrowawayEtcd Start(string binary, string dataDir, string name, Uri peerUrl, int clientPort, string token)
    {
        var clientUrl = new Uri($"http://127.0.0.1:{clientPort}");
        var psi = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[]
                 {
                     "--name", name, "--data-dir", dataDir,
                     "--listen-client-urls", clientUrl.ToString().TrimEnd('/'), "--advertise-client-urls", clientUrl.ToString().TrimEnd('/'),
                     "--listen-peer-urls", peerUrl.ToString().TrimEnd('/'), "--initial-advertise-peer-urls", peerUrl.ToString().TrimEnd('/'),
                     "--initial-cluster", $"{name}={peerUrl.ToString().TrimEnd('/')}", "--initial-cluster-token", token,
                     // A drill's etcd must not fill the disk or wait long for itself.
                     "--quota-backend-bytes", (8L << 30).ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--heartbeat-interval", "100", "--election-timeout", "1000",
                 })
        {
            psi.ArgumentList.Add(arg);
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {binary}");
        return new ThrowawayEtcd(process, clientUrl);
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
            if (_log.Length > 64 * 1024)
            {
                _log.Remove(0, _log.Length - 16 * 1024);
            }
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }
}

using System.Diagnostics;
using System.Text;

namespace EtcdAgent.IntegrationTests.Fixtures;

/// <summary>
/// One real etcd process (Debian's etcd-server) on loopback with ephemeral ports and a temp data dir.
/// Readiness is etcd's own "ready to serve client requests" log line, so fixtures do not depend on the
/// client under test.
/// </summary>
public sealed class EtcdNode : IDisposable
{
    private readonly StringBuilder _log = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Process? _process;

    public EtcdNode(string name, TempDir root, TlsFiles? tls = null, string? dataDir = null)
    {
        Name = name;
        Tls = tls;
        DataDir = dataDir ?? Path.Combine(root.Path, name + ".etcd");
        ClientPort = FreePorts.Next();
        PeerPort = FreePorts.Next();
    }

    public string Name { get; }

    public TlsFiles? Tls { get; }

    public string DataDir { get; }

    public int ClientPort { get; private set; }

    public int PeerPort { get; private set; }

    public Uri ClientUrl => new($"{(Tls is null ? "http" : "https")}://127.0.0.1:{ClientPort}");

    public string PeerUrl => $"http://127.0.0.1:{PeerPort}";

    public bool IsRunning => _process is { HasExited: false };

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public void ReassignPorts()
    {
        ClientPort = FreePorts.Next();
        PeerPort = FreePorts.Next();
    }

    public void Start(string initialCluster, string clusterToken, IEnumerable<string>? extraArgs = null)
    {
        var psi = new ProcessStartInfo("etcd")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] args =
        [
            "--name", Name, "--data-dir", DataDir,
            "--listen-client-urls", ClientUrl.ToString().TrimEnd('/'),
            "--advertise-client-urls", ClientUrl.ToString().TrimEnd('/'),
            "--listen-peer-urls", PeerUrl, "--initial-advertise-peer-urls", PeerUrl,
            "--initial-cluster", initialCluster, "--initial-cluster-token", clusterToken,
            "--initial-cluster-state", "new",
            // Faster elections keep the 3-member tests short.
            "--heartbeat-interval", "50", "--election-timeout", "500",
        ];
        foreach (var arg in args.Concat(extraArgs ?? []))
        {
            psi.ArgumentList.Add(arg);
        }

        if (Tls is not null)
        {
            foreach (var arg in new[]
                     {
                         "--cert-file", Tls.ServerCert, "--key-file", Tls.ServerKey,
                         "--trusted-ca-file", Tls.CaCert, "--client-cert-auth",
                     })
            {
                psi.ArgumentList.Add(arg);
            }
        }

        _process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start etcd (is etcd-server installed?)");
        _process.OutputDataReceived += OnLine;
        _process.ErrorDataReceived += OnLine;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    private void OnLine(object sender, DataReceivedEventArgs e)
    {
        if (e.Data is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(e.Data);
        }

        if (e.Data.Contains("ready to serve client requests", StringComparison.Ordinal))
        {
            _ready.TrySetResult();
        }
    }

    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        var exited = _process!.WaitForExitAsync();
        var done = await Task.WhenAny(_ready.Task, exited, Task.Delay(timeout));
        if (done != _ready.Task)
        {
            throw new InvalidOperationException(
                $"etcd {Name} did not become ready within {timeout} (exited: {_process.HasExited}). Log:\n{Log}");
        }
    }

    /// <summary>SIGKILL, as a crashed node would die.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    public void Dispose()
    {
        Kill();
        _process?.Dispose();
        _process = null;
    }
}

using System.Diagnostics;
using System.Text;

namespace EtcdAgent.IntegrationTests.Fixtures;

/// <summary>A long-running etcd-agent (the daemon) as a child process: started, then stopped with SIGTERM as systemd does.</summary>
public sealed class AgentProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private bool _disposed;

    private AgentProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += OnLine;
        _process.ErrorDataReceived += OnLine;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static AgentProcess Start(IEnumerable<string> args, IDictionary<string, string?>? environment = null)
    {
        var psi = new ProcessStartInfo(AgentBinary.Path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment["ETCD_AGENT_KUBEADM_PKI_DIR"] = "/nonexistent";
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            psi.Environment[key] = value;
        }

        return new AgentProcess(Process.Start(psi) ?? throw new InvalidOperationException("cannot start dotnet"));
    }

    /// <summary>
    /// Waits until the output holds <paramref name="text"/> (e.g. the daemon's "Scheduler running" line), so a test's
    /// clock starts when the daemon is up, not when the process was spawned on a loaded machine.
    /// </summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (waited.Elapsed > timeout || _process.HasExited)
            {
                throw new TimeoutException($"no \"{text}\" after {waited.Elapsed.TotalSeconds:0.0}s:\n{Output}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>SIGTERM, then the exit code (or a failure if it does not exit within <paramref name="grace"/>).</summary>
    public async Task<int> TerminateAsync(TimeSpan grace)
    {
        using (var kill = Process.Start("kill", ["-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill!.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"etcd-agent did not exit within {grace} of SIGTERM. Output:\n{Output}");
        }

        return _process.ExitCode;
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>SIGKILL, as a power cut or the OOM killer would end it mid-step.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }

    private void OnLine(object sender, DataReceivedEventArgs e)
    {
        if (e.Data is not null)
        {
            lock (_output)
            {
                _output.AppendLine(e.Data);
            }
        }
    }
}

using System.Diagnostics;
using EtcdAgent.Protocol.Etcd;

namespace EtcdAgent.IntegrationTests.Fixtures;

/// <summary>
/// Just enough of a kubelet for restore tests: it watches a static pod folder and runs a real etcd while
/// etcd.yaml is there (command taken from the manifest, like a container's), stops it when the file goes, and
/// notes when kube-apiserver.yaml comes and goes — and whether etcd was healthy when the API server came back.
/// </summary>
public sealed class FakeKubelet : IDisposable
{
    private readonly string _manifests;
    private readonly string _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _events = [];
    private readonly Task _loop;
    private Process? _etcd;
    private bool _apiServer;

    public FakeKubelet(string manifests, string log)
    {
        _manifests = manifests;
        _log = log;
        _loop = Task.Run(LoopAsync);
    }

    public IReadOnlyList<string> Events
    {
        get
        {
            lock (_events)
            {
                return _events.ToList();
            }
        }
    }

    public string? ClientUrl { get; private set; }

    private void Note(string text)
    {
        lock (_events)
        {
            _events.Add(text);
        }
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            // The API server first: a real one stops within seconds of its manifest leaving, before etcd would.
            var apiManifest = File.Exists(Path.Combine(_manifests, "kube-apiserver.yaml"));
            if (apiManifest != _apiServer)
            {
                _apiServer = apiManifest;
                Note(apiManifest ? $"apiserver started (etcd healthy: {await EtcdHealthyAsync()})" : "apiserver stopped");
            }

            var etcdManifest = Path.Combine(_manifests, "etcd.yaml");
            if (File.Exists(etcdManifest) && _etcd is null or { HasExited: true })
            {
                StartEtcd(File.ReadAllLines(etcdManifest));
            }
            else if (!File.Exists(etcdManifest) && _etcd is { HasExited: false })
            {
                using (var term = Process.Start("kill", ["-TERM", _etcd.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                {
                    await term!.WaitForExitAsync();
                }

                await _etcd.WaitForExitAsync();
                Note("etcd stopped");
            }

            try
            {
                await Task.Delay(100, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void StartEtcd(string[] manifest)
    {
        var command = manifest.SkipWhile(l => l.Trim() != "- command:").Skip(1).TakeWhile(l => l.TrimStart().StartsWith("- ", StringComparison.Ordinal))
            .Select(l => l.Trim()[2..]).ToList();
        var psi = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in command.Skip(1))
        {
            psi.ArgumentList.Add(arg);
            if (arg.StartsWith("--listen-client-urls=", StringComparison.Ordinal))
            {
                ClientUrl = arg.Split('=', 2)[1];
            }
        }

        _etcd?.Dispose();
        _etcd = Process.Start(psi)!;
        _etcd.OutputDataReceived += (_, e) => Append(e.Data);
        _etcd.ErrorDataReceived += (_, e) => Append(e.Data);
        _etcd.BeginOutputReadLine();
        _etcd.BeginErrorReadLine();
        Note("etcd started");
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                File.AppendAllText(_log, line + "\n");
            }
        }
    }

    private async Task<bool> EtcdHealthyAsync()
    {
        if (ClientUrl is null || _etcd is null or { HasExited: true })
        {
            return false;
        }

        try
        {
            using var client = new EtcdClient(new EtcdClientOptions { Endpoints = [new Uri(ClientUrl)] });
            return (await client.StatusAsync(new Uri(ClientUrl))).Leader != 0;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
        }

        if (_etcd is { HasExited: false })
        {
            _etcd.Kill();
            _etcd.WaitForExit(10_000);
        }

        _etcd?.Dispose();
        _stop.Dispose();
    }
}

using System.Globalization;
using EtcdAgent.Protocol.Etcd;

namespace EtcdAgent.IntegrationTests.Fixtures;

/// <summary>
/// A real etcd started and stopped by shell scripts, the way a restore's --start-command/--stop-command (or
/// systemctl) would: the restore under test drives it only through those scripts. The process is detached
/// (setsid, output to a log), so it outlives the command that started it; Dispose kills it.
/// </summary>
public sealed class ScriptedEtcd : IDisposable
{
    public ScriptedEtcd(string dir, string name, string initialCluster, string token, int clientPort, int peerPort)
    {
        Dir = dir;
        Name = name;
        ClientPort = clientPort;
        PeerPort = peerPort;
        DataDir = Path.Combine(dir, "data");
        Directory.CreateDirectory(dir);
        File.WriteAllText(StartScript, $"""
            #!/bin/sh
            cd {dir}
            setsid etcd --name {name} --data-dir {DataDir} \
              --listen-client-urls {ClientUrl} --advertise-client-urls {ClientUrl} \
              --listen-peer-urls {PeerUrl} --initial-advertise-peer-urls {PeerUrl} \
              --initial-cluster {initialCluster} --initial-cluster-token {token} --initial-cluster-state new \
              --heartbeat-interval 50 --election-timeout 500 >> {dir}/etcd.log 2>&1 < /dev/null &
            echo $! > {dir}/etcd.pid
            """);
        File.WriteAllText(StopScript, $"""
            #!/bin/sh
            if [ -f {dir}/etcd.pid ]; then kill $(cat {dir}/etcd.pid) 2>/dev/null; fi
            exit 0
            """);
    }

    public string Dir { get; }

    public string Name { get; }

    public string DataDir { get; }

    public int ClientPort { get; }

    public int PeerPort { get; }

    public string ClientUrl => $"http://127.0.0.1:{ClientPort.ToString(CultureInfo.InvariantCulture)}";

    public string PeerUrl => $"http://127.0.0.1:{PeerPort.ToString(CultureInfo.InvariantCulture)}";

    public string StartScript => Path.Combine(Dir, "start.sh");

    public string StopScript => Path.Combine(Dir, "stop.sh");

    public string StartCommand => "sh " + StartScript;

    public string StopCommand => "sh " + StopScript;

    public string Log => File.Exists(Path.Combine(Dir, "etcd.log")) ? File.ReadAllText(Path.Combine(Dir, "etcd.log")) : string.Empty;

    public static List<ScriptedEtcd> Create(string root, int members)
    {
        var ports = Enumerable.Range(0, members).Select(_ => (Client: FreePorts.Next(), Peer: FreePorts.Next())).ToList();
        var cluster = string.Join(",", ports.Select((p, i) => $"m{i + 1}=http://127.0.0.1:{p.Peer}"));
        var token = "orig-" + Guid.NewGuid().ToString("N")[..8];
        return ports.Select((p, i) => new ScriptedEtcd(Path.Combine(root, $"m{i + 1}"), $"m{i + 1}", cluster, token, p.Client, p.Peer)).ToList();
    }

    public EtcdClient Client() => new(new EtcdClientOptions { Endpoints = [new Uri(ClientUrl)], CommandTimeout = TimeSpan.FromSeconds(5) });

    public async Task StartAsync()
    {
        var result = await ProcessRunner.RunAsync("sh", [StartScript]);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"start.sh failed: {result.Stderr}");
        }
    }

    public async Task StopAsync()
    {
        await ProcessRunner.RunAsync("sh", [StopScript]);
        for (var i = 0; i < 100 && IsRunning; i++)
        {
            await Task.Delay(100);
        }
    }

    public bool IsRunning => Pid is { } pid && File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z", StringComparison.Ordinal);

    private int? Pid => File.Exists(Path.Combine(Dir, "etcd.pid")) && int.TryParse(File.ReadAllText(Path.Combine(Dir, "etcd.pid")).Trim(), out var pid) ? pid : null;

    /// <summary>Waits until this member has a leader (all members of a new cluster must be started for that).</summary>
    public async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var client = Client();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Exception? last = null;
        while (watch.Elapsed < timeout)
        {
            try
            {
                var status = await client.StatusAsync(new Uri(ClientUrl));
                if (status.Leader != 0)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                last = ex;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"{Name} not healthy within {timeout} ({last?.Message}). Log:\n{Log}");
    }

    public void Dispose()
    {
        if (Pid is { } pid && IsRunning)
        {
            using var kill = System.Diagnostics.Process.Start("kill", ["-9", pid.ToString(CultureInfo.InvariantCulture)]);
            kill?.WaitForExit();
        }
    }
}

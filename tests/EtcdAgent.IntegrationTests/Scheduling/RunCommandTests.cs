using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using EtcdAgent.IntegrationTests.Fixtures;
using Xunit;

namespace EtcdAgent.IntegrationTests.Scheduling;

/// <summary>`etcd-agent run` as systemd would run it, against a real 3-member etcd and a local store.</summary>
public sealed class RunCommandTests(ThreeMemberFixture fixture) : IClassFixture<ThreeMemberFixture>, IDisposable
{
    private readonly TempDir _dir = new("etcd-agent-run");

    [Fact]
    public async Task ThreeAgentsOnOneScheduleMakeExactlyOneBackupPerTick()
    {
        var store = Directory.CreateDirectory(_dir.File("store")).FullName;
        var agents = fixture.Cluster.Nodes.Select((node, i) => AgentProcess.Start(
            ["run", "--config", WriteConfig($"agent{i}", node.ClientUrl, store, "*/3 * * * * ?", cluster: "ha")])).ToList();
        try
        {
            // The clock starts when every daemon is up: the schedule, not process start-up on a loaded machine, is
            // what this test is about.
            foreach (var agent in agents)
            {
                await agent.WaitForOutputAsync("Scheduler running", TimeSpan.FromSeconds(60));
            }

            // Until three ticks were served (one every 3 s; up to a minute on a loaded machine): what is tested is
            // one backup per tick, not how many ticks a busy machine fits into a fixed window.
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (Served(agents) < 3 && waited.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(200);
            }

            foreach (var agent in agents)
            {
                Assert.Equal(0, await agent.TerminateAsync(TimeSpan.FromSeconds(30)));
            }
        }
        finally
        {
            agents.ForEach(a => a.Dispose());
        }

        var output = string.Join("\n---\n", agents.Select(a => a.Output));
        var manifests = Directory.GetFiles(store, "manifest.json", SearchOption.AllDirectories)
            .Select(f => JsonDocument.Parse(File.ReadAllText(f)).RootElement)
            .Select(m => (Node: m.GetProperty("node").GetString()!, Created: m.GetProperty("createdAt").GetDateTimeOffset()))
            .OrderBy(m => m.Created)
            .ToList();

        // At least three ticks, each served once (a fourth may finish while the agents stop). Each agent logs the
        // tick (fire time) it served; a duplicate is the same fire time served twice. (Creation times alone cannot
        // tell: on a loaded machine an agent may serve a tick late, a second before the next tick's backup.)
        Assert.InRange(manifests.Count, 3, 5);
        var served = System.Text.RegularExpressions.Regex.Matches(output, @"Tick (.+?): backup (\S+) stored")
            .Select(m => (Fire: m.Groups[1].Value, Id: m.Groups[2].Value)).ToList();
        Assert.Equal(manifests.Count, served.Count);
        Assert.True(served.Select(s => s.Fire).Distinct().Count() == served.Count, $"two backups in one tick:\n{string.Join("\n", served)}\n{output}");

        Assert.Contains("lock held by", output, StringComparison.Ordinal);
    }

    private static int Served(IEnumerable<AgentProcess> agents) =>
        agents.Sum(a => System.Text.RegularExpressions.Regex.Count(a.Output, @"Tick (.+?): backup (\S+) stored"));

    [Fact]
    public async Task PerNodeModeGivesEveryAgentItsOwnBackupPerTick()
    {
        var store = Directory.CreateDirectory(_dir.File("store-pernode")).FullName;
        var agents = fixture.Cluster.Nodes.Select((node, i) => AgentProcess.Start(
            ["run", "--config", WriteConfig($"pn{i}", node.ClientUrl, store, "*/4 * * * * ?", cluster: "pernode", mode: "perNode")])).ToList();
        try
        {
            // Each agent serves a tick of its own (no lock to lose): wait for every one's "stored" line rather than
            // a fixed time, which a loaded machine can stretch past the first tick.
            foreach (var agent in agents)
            {
                await agent.WaitForOutputAsync("Scheduler running", TimeSpan.FromSeconds(60));
                await agent.WaitForOutputAsync("stored\n", TimeSpan.FromSeconds(60)); // "Tick …: backup ID stored"
            }

            foreach (var agent in agents)
            {
                Assert.Equal(0, await agent.TerminateAsync(TimeSpan.FromSeconds(30)));
            }
        }
        finally
        {
            agents.ForEach(a => a.Dispose());
        }

        Assert.All(agents, a => Assert.DoesNotContain("lock held by", a.Output, StringComparison.Ordinal));
        var nodes = Directory.GetFiles(store, "manifest.json", SearchOption.AllDirectories)
            .Select(f => JsonDocument.Parse(File.ReadAllText(f)).RootElement.GetProperty("node").GetString())
            .ToList();
        Assert.Equal(["pn0", "pn1", "pn2"], nodes.Distinct().Order()); // no lock: every agent backed up its member
    }

    [Fact]
    public async Task NotifySocketSeesReadyStatusWatchdogAndStoppingInOrder()
    {
        var socketPath = _dir.File("notify.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        var config = WriteConfig("solo", fixture.Cluster.First.ClientUrl, Directory.CreateDirectory(_dir.File("store-notify")).FullName, "0 0 3 * * ?", cluster: "notify");
        var messages = new List<string>();
        using var agent = AgentProcess.Start(["run", "--config", config], new Dictionary<string, string?>
        {
            ["NOTIFY_SOCKET"] = socketPath,
            ["WATCHDOG_USEC"] = "1000000", // ping every 0.5 s
        });

        var buffer = new byte[4096];
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            while (messages.Count(m => m == "WATCHDOG=1") < 2)
            {
                var n = await listener.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                messages.Add(Encoding.UTF8.GetString(buffer, 0, n));
            }
        }

        Assert.Equal(0, await agent.TerminateAsync(TimeSpan.FromSeconds(30)));
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            while (!messages.Contains("STOPPING=1"))
            {
                var n = await listener.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                messages.Add(Encoding.UTF8.GetString(buffer, 0, n));
            }
        }

        Assert.Equal("READY=1", messages[0]);
        Assert.StartsWith("STATUS=next backup ", messages[1], StringComparison.Ordinal);
        Assert.Contains("WATCHDOG=1", messages);
        Assert.Equal("STOPPING=1", messages[^1]);
    }

    [Fact]
    public async Task WatchdogPingsStopWhileTheLoopIsStuck()
    {
        // An "etcd" that accepts connections and never answers, with a long command timeout: the first tick hangs
        // inside the loop, as a wedged call would. systemd must stop hearing WATCHDOG=1 so it can restart us.
        using var blackhole = new TcpListener(System.Net.IPAddress.Loopback, 0);
        blackhole.Start();
        var accepted = new List<TcpClient>();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        TimeSpan? stuckAt = null;
        _ = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    accepted.Add(await blackhole.AcceptTcpClientAsync());
                    stuckAt ??= watch.Elapsed; // the first tick's etcd call: from here on it hangs
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
            }
        });
        var port = ((System.Net.IPEndPoint)blackhole.LocalEndpoint).Port;
        var config = WriteConfig("stuck", new Uri($"http://127.0.0.1:{port}"), Directory.CreateDirectory(_dir.File("store-stuck")).FullName,
            "*/2 * * * * ?", cluster: "stuck", commandTimeout: "1h");
        var socketPath = _dir.File("stuck.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        using var agent = AgentProcess.Start(["run", "--config", config], new Dictionary<string, string?>
        {
            ["NOTIFY_SOCKET"] = socketPath,
            ["WATCHDOG_USEC"] = "1000000",
        });

        var received = new List<(TimeSpan At, string Message)>();
        var buffer = new byte[4096];
        TimeSpan End() => stuckAt is { } s ? s + TimeSpan.FromSeconds(4) : TimeSpan.FromSeconds(60);
        while (watch.Elapsed < End())
        {
            using var wait = new CancellationTokenSource(End() - watch.Elapsed);
            try
            {
                var n = await listener.ReceiveAsync(buffer, SocketFlags.None, wait.Token);
                received.Add((watch.Elapsed, Encoding.UTF8.GetString(buffer, 0, n)));
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        agent.Dispose();
        accepted.ForEach(c => c.Dispose());
        var pings = received.Where(r => r.Message == "WATCHDOG=1").Select(r => r.At).ToList();
        Assert.NotNull(stuckAt);
        Assert.NotEmpty(pings); // alive while waiting for the first tick

        // Pings at half of WATCHDOG_USEC (0.5 s) stop once the tick has made no progress for one interval: within
        // ~1 s of the hang, with slack for a loaded machine; the 4 s watched after it stay silent.
        Assert.True(pings[^1] < stuckAt + TimeSpan.FromSeconds(2), $"pings continued while stuck (hung at {stuckAt}): {string.Join(", ", pings)}\n{agent.Output}");
        Assert.Contains("Watchdog ping withheld", agent.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunOnceMakesOneBackupAndExits()
    {
        var store = Directory.CreateDirectory(_dir.File("store-once")).FullName;
        var config = WriteConfig("once", fixture.Cluster.First.ClientUrl, store, "0 0 3 * * ?", cluster: "once");
        var result = await AgentBinary.RunAsync("run", "--once", "--config", config);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Single(Directory.GetFiles(store, "manifest.json", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task ABadConfigurationExitsWith78NamingEveryBadField()
    {
        var path = _dir.File("bad.yaml");
        await File.WriteAllTextAsync(path, """
            store:
              type: local
              local:
                path: relative/path
            schedule:
              backup: "0 3 1 * 1"
              mode: everyone
            """);
        var result = await AgentBinary.RunAsync("run", "--config", path);
        Assert.Equal(78, result.ExitCode);
        Assert.Contains("store.local.path", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("schedule.backup", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("schedule.mode", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MetricsAndHealthShowTheBackupsTheDaemonMade()
    {
        var port = FreePorts.Next();
        var store = Directory.CreateDirectory(_dir.File("store-metrics")).FullName;
        var config = WriteConfig("metrics", fixture.Cluster.First.ClientUrl, store, "*/2 * * * * ?", cluster: "metrics", metrics: $"127.0.0.1:{port}");
        using var agent = AgentProcess.Start(["run", "--config", config]);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        string metrics = string.Empty;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            try
            {
                metrics = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
                if (metrics.Contains("etcd_agent_backups_in_store 1", StringComparison.Ordinal) || metrics.Contains("etcd_agent_backups_in_store 2", StringComparison.Ordinal))
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(300);
        }

        var health = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/healthz"));
        Assert.Equal(0, await agent.TerminateAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("etcd_agent_build_info{version=", metrics, StringComparison.Ordinal);
        Assert.Matches(@"etcd_agent_last_backup_revision [1-9]\d*", metrics);
        Assert.Matches(@"etcd_agent_last_success_timestamp_seconds [1-9]\d*", metrics);
        Assert.Contains("etcd_agent_lock_holder_info{holder=\"metrics\"} 1", metrics, StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);
    }

    public void Dispose() => _dir.Dispose();

    private string WriteConfig(string node, Uri endpoint, string store, string schedule, string cluster, string metrics = "off", string commandTimeout = "5s", string mode = "perCluster")
    {
        var path = _dir.File($"{cluster}-{node}.yaml");
        File.WriteAllText(path, $"""
            cluster: {cluster}
            node: {node}
            etcd:
              endpoints: [{endpoint.ToString().TrimEnd('/')}]
              commandTimeout: {commandTimeout}
            store:
              type: local
              local:
                path: {store}
            backup:
              spoolDir: {_dir.File("spool-" + node)}
            schedule:
              backup: "{schedule}"
              leaderDelay: 1s
              mode: {mode}
              stateDir: {_dir.File("state-" + node)}
              drill: "off"
            metrics:
              address: {metrics}
            """);
        return path;
    }
}

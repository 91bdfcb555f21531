using EtcdAgent.IntegrationTests.Fixtures;
using Xunit;

namespace EtcdAgent.IntegrationTests.Drill;

/// <summary>The daemon's drill schedule: drills run, their outcome is in /metrics, and a failed drill reaches the webhook.</summary>
public sealed class DrillScheduleTests(SingleEtcdFixture fixture) : IClassFixture<SingleEtcdFixture>, IDisposable
{
    private readonly TempDir _dir = new("etcd-agent-drill-schedule");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task ScheduledDrillsShowInMetrics()
    {
        var port = FreePorts.Next();
        var config = Config("ok", port, etcdBinary: null, webhook: null);
        using var agent = AgentProcess.Start(["run", "--config", config]);

        var metrics = await WaitForMetricAsync(port, "etcd_agent_last_drill_info{mode=\"full\",result=\"pass\"} 1", agent);

        Assert.Equal(0, await agent.TerminateAsync(TimeSpan.FromSeconds(30)));
        Assert.Matches(@"etcd_agent_last_drill_success_timestamp_seconds [1-9]\d*", metrics);
        Assert.Contains("etcd_agent_last_drill_stage_ok{stage=\"check\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("Restore drill of", agent.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFailedDrillIsCountedByStageAndSentToTheWebhook()
    {
        var broken = _dir.File("broken-etcd");
        File.WriteAllText(broken, "#!/bin/sh\necho 'cannot start' >&2\nexit 1\n");
        File.SetUnixFileMode(broken, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var hook = new WebhookReceiver();
        var port = FreePorts.Next();
        using var agent = AgentProcess.Start(["run", "--config", Config("broken", port, broken, hook.Url)]);

        var metrics = await WaitForMetricAsync(port, "etcd_agent_drill_failures_total{stage=\"start\"}", agent);

        Assert.Equal(0, await agent.TerminateAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("etcd_agent_last_drill_info{mode=\"full\",result=\"fail\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains(hook.Events, e => e.Contains("\"stage\":\"drill-start\"", StringComparison.Ordinal) && e.Contains("exited", StringComparison.Ordinal));
        Assert.Contains("FAILED at start", agent.Output, StringComparison.Ordinal);
    }

    private static async Task<string> WaitForMetricAsync(int port, string expected, AgentProcess agent)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var metrics = string.Empty;
        while (watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                metrics = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
                if (metrics.Contains(expected, StringComparison.Ordinal))
                {
                    return metrics;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(300);
        }

        throw new TimeoutException($"{expected} never appeared.\nMetrics:\n{metrics}\nAgent:\n{agent.Output}");
    }

    private string Config(string name, int metricsPort, string? etcdBinary, string? webhook)
    {
        var store = Directory.CreateDirectory(_dir.File("store-" + name)).FullName;
        var path = _dir.File(name + ".yaml");
        File.WriteAllText(path, $"""
            cluster: drill-{name}
            node: node-a
            etcd:
              endpoints: [{fixture.Cluster.First.ClientUrl.ToString().TrimEnd('/')}]
            store:
              type: local
              local:
                path: {store}
            backup:
              spoolDir: {_dir.File("spool-" + name)}
            schedule:
              backup: "*/2 * * * * ?"
              drill: "*/3 * * * * ?"
              leaderDelay: 0s
              stateDir: {_dir.File("state-" + name)}
            drill:
              timeout: 1m
            {(etcdBinary is null ? string.Empty : $"  etcdBinary: {etcdBinary}")}
            metrics:
              address: 127.0.0.1:{metricsPort}
            {(webhook is null ? string.Empty : $"daemon:\n  webhook: {webhook}")}
            """);
        return path;
    }
}

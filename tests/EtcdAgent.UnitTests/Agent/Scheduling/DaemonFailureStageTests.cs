using System.Collections.Concurrent;
using System.Text.Json;
using EtcdAgent.Configuration;
using EtcdAgent.Diagnostics;
using EtcdAgent.Hosting;
using EtcdAgent.Scheduling;
using EtcdAgent.Snapshots;
using EtcdAgent.UnitTests.Agent.Snapshots;
using EtcdAgent.UnitTests.Protocol.Etcd;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Scheduling;

/// <summary>
/// The daemon reports a failure with the stage the failing step put on it: the same label in
/// etcd_agent_failures_total, the tick's log line and the webhook. Against a fake etcd and an in-memory store.
/// </summary>
public sealed class DaemonFailureStageTests
{
    [Theory]
    [InlineData(StageFault.EtcdRefusesStatus, "etcd")]
    [InlineData(StageFault.EtcdRefusesLease, "lock")]
    [InlineData(StageFault.NodeLockHeld, "lock")]
    [InlineData(StageFault.SnapshotCut, "snapshot")]
    [InlineData(StageFault.TrailerMismatch, "verify")]
    [InlineData(StageFault.StructureCorrupt, "verify")]
    [InlineData(StageFault.SpoolNotADirectory, "spool")]
    [InlineData(StageFault.StoreRefusesWrites, "upload")]
    [InlineData(StageFault.StoreRefusesManifest, "manifest")]
    [InlineData(StageFault.KeyFileMissing, "other")]
    public async Task AFailedTickIsCountedLoggedAndPostedWithTheStageOfItsStep(StageFault fault, string stage)
    {
        await using var rig = await StageRig.StartAsync(fault);
        await using var hook = await Hook.StartAsync();
        var (daemon, metrics, log) = Daemon(rig, hook);

        Assert.Equal(1, await daemon.RunAsync(once: true, default));

        Assert.Single(Failures(metrics.Render()), $"etcd_agent_failures_total{{stage=\"{stage}\"}} 1");
        Assert.Contains(log.Lines, l => l.Contains($"backup failed at {stage}: ", StringComparison.Ordinal));
        var posted = Assert.Single(hook.Events);
        Assert.Equal("failure", posted.GetProperty("event").GetString());
        Assert.Equal(stage, posted.GetProperty("stage").GetString());
    }

    [Fact]
    public async Task AFailedPruneIsCountedAsPruneAndTheTickStillServed()
    {
        await using var rig = await StageRig.StartAsync(StageFault.StoreRefusesList);
        await using var hook = await Hook.StartAsync();
        var (daemon, metrics, log) = Daemon(rig, hook);

        Assert.Equal(0, await daemon.RunAsync(once: true, default));

        Assert.Single(Failures(metrics.Render()), "etcd_agent_failures_total{stage=\"prune\"} 1");
        Assert.Contains(log.Lines, l => l.StartsWith("Prune failed: ", StringComparison.Ordinal));
        Assert.Single(rig.Store.Inner.Objects, o => o.Key.EndsWith("/manifest.json", StringComparison.Ordinal));
        Assert.Empty(hook.Events);
    }

    [Fact]
    public async Task ADrillFailingOneOfItsStepsIsPostedAsDrillAndThatStep()
    {
        await using var rig = await StageRig.StartAsync(StageFault.None, DrillEverySecond);
        var manifest = await new BackupPipeline(rig.Options, rig.Store, TimeProvider.System, NullLogger.Instance).CreateAsync(rig.Client, rig.Endpoint, default);
        rig.Store.Inner.Objects.TryRemove(manifest.Stored.Key, out _); // listed, but its payload is gone: fetch fails
        await using var hook = await Hook.StartAsync();
        var (daemon, metrics, log) = Daemon(rig, hook);

        await RunUntilAsync(daemon, () => !hook.Events.IsEmpty);

        var posted = Assert.Single(hook.Events);
        Assert.Equal("drill-fetch", posted.GetProperty("stage").GetString());
        Assert.Contains(log.Lines, l => l.StartsWith($"Restore drill of {manifest.Id} FAILED at fetch: ", StringComparison.Ordinal));
        Assert.Contains("etcd_agent_drill_failures_total{stage=\"fetch\"} 1", metrics.Render(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADrillThatCannotBeginIsLoggedAtTheDrillStage()
    {
        await using var rig = await StageRig.StartAsync(StageFault.None, DrillEverySecond); // an empty store: nothing to drill
        var (daemon, metrics, log) = Daemon(rig, hook: null);

        await RunUntilAsync(daemon, () => log.Lines.Any(l => l.Contains("FAILED", StringComparison.Ordinal)));

        Assert.Contains(log.Lines, l => l.StartsWith("Restore drill of latest FAILED at drill: ", StringComparison.Ordinal));
        Assert.Contains("etcd_agent_drill_failures_total{stage=\"other\"} 1", metrics.Render(), StringComparison.Ordinal);
        Assert.Empty(Failures(metrics.Render()));
    }

    private static AgentOptions DrillEverySecond(AgentOptions options) =>
        options with { Schedule = options.Schedule with { Drill = "* * * * * ?" } };

    private static (Daemon Daemon, DaemonMetrics Metrics, LogLines Log) Daemon(StageRig rig, Hook? hook)
    {
        var metrics = new DaemonMetrics(TimeProvider.System, "test");
        var log = new LogLines();
        var webhook = hook is null ? null : new FailureWebhook(hook.Url, rig.Options.Cluster, rig.Options.Node, TimeProvider.System, NullLogger.Instance);
        var notifier = new SystemdNotifier(_ => null);
        return (new Daemon(rig.Options, rig.Client, rig.Endpoint, rig.Store, notifier, TimeProvider.System, log, metrics, webhook), metrics, log);
    }

    /// <summary>Runs the daemon's loop until <paramref name="done"/> (at most 30 s), then stops it as SIGTERM would.</summary>
    private static async Task RunUntilAsync(Daemon daemon, Func<bool> done)
    {
        using var stop = new CancellationTokenSource();
        var run = daemon.RunAsync(once: false, stop.Token);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!done() && !run.IsCompleted && waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(50);
        }

        await stop.CancelAsync();
        Assert.Equal(0, await run);
        Assert.True(done(), "the daemon never got there");
    }

    private static List<string> Failures(string metrics) =>
        metrics.Split('\n').Where(l => l.StartsWith("etcd_agent_failures_total{", StringComparison.Ordinal)).ToList();

    /// <summary>Every formatted log line, whatever the category.</summary>
    private sealed class LogLines : ILoggerFactory, ILogger
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => this;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Enqueue(formatter(state, exception));
    }

    /// <summary>A webhook receiver on loopback keeping every JSON body posted to it.</summary>
    private sealed class Hook : IAsyncDisposable
    {
        private TestGrpcServer? _server;

        public ConcurrentQueue<JsonElement> Events { get; } = new();

        public Uri Url => new(_server!.Address, "/hook");

        public static async Task<Hook> StartAsync()
        {
            var hook = new Hook();
            hook._server = await TestGrpcServer.StartAsync(async ctx =>
            {
                using var body = await JsonDocument.ParseAsync(ctx.Request.Body);
                hook.Events.Enqueue(body.RootElement.Clone());
                ctx.Response.StatusCode = 204;
            }, HttpProtocols.Http1);
            return hook;
        }

        public ValueTask DisposeAsync() => _server!.DisposeAsync();
    }
}

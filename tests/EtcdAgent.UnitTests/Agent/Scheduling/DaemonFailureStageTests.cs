using System.Collections.Concurrent;
using System.Text.Json;
using EtcdAgent.Composition;
using EtcdAgent.Configuration;
using EtcdAgent.Diagnostics;
using EtcdAgent.Etcd;
using EtcdAgent.Hosting;
using EtcdAgent.Scheduling;
using EtcdAgent.Snapshots;
using EtcdAgent.Storage;
using EtcdAgent.UnitTests.Agent.Snapshots;
using EtcdAgent.UnitTests.Protocol.Etcd;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Scheduling;

/// <summary>
/// The daemon reports a failure with the stage the failing step put on it: the same label in
/// etcd_agent_failures_total, the tick's log line and the webhook. Against a fake etcd and an in-memory store, through
/// the registration `run` uses (a lean container for --once, the Generic Host with Quartz for scheduled drills).
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
        var (tick, metrics, log) = Once(rig, hook);

        Assert.False(await tick.RunAsync(TimeProvider.System.GetUtcNow(), pruneAfter: true, null, _ => { }, default));

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
        var (tick, metrics, log) = Once(rig, hook);

        Assert.True(await tick.RunAsync(TimeProvider.System.GetUtcNow(), pruneAfter: true, null, _ => { }, default));

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
        var log = new LogLines();
        var metrics = await RunUntilAsync(rig, hook, log, () => !hook.Events.IsEmpty);

        var posted = Assert.Single(hook.Events);
        Assert.Equal("drill-fetch", posted.GetProperty("stage").GetString());
        Assert.Contains(log.Lines, l => l.StartsWith($"Restore drill of {manifest.Id} FAILED at fetch: ", StringComparison.Ordinal));
        Assert.Contains("etcd_agent_drill_failures_total{stage=\"fetch\"} 1", metrics.Render(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADrillThatCannotBeginIsLoggedAtTheDrillStage()
    {
        await using var rig = await StageRig.StartAsync(StageFault.None, DrillEverySecond); // an empty store: nothing to drill
        var log = new LogLines();
        var metrics = await RunUntilAsync(rig, hook: null, log, () => log.Lines.Any(l => l.Contains("FAILED", StringComparison.Ordinal)));

        Assert.Contains(log.Lines, l => l.StartsWith("Restore drill of latest FAILED at drill: ", StringComparison.Ordinal));
        Assert.Contains("etcd_agent_drill_failures_total{stage=\"other\"} 1", metrics.Render(), StringComparison.Ordinal);
        Assert.Empty(Failures(metrics.Render()));
    }

    private static AgentOptions DrillEverySecond(AgentOptions options) =>
        options with { Schedule = options.Schedule with { Drill = "* * * * * ?" } };

    /// <summary>One tick as `run --once` runs it: the CLI's registration, with the rig's fake etcd and store.</summary>
    private static (BackupTick Tick, DaemonMetrics Metrics, LogLines Log) Once(StageRig rig, Hook? hook)
    {
        var log = new LogLines();
        var services = new ServiceCollection().AddCliLogging(log).AddEtcdAgent(rig.Options, Connection(rig), TimeProvider.System);
        Replace(services, rig, hook);
        var provider = services.BuildServiceProvider();
        return (provider.GetRequiredService<BackupTick>(), provider.GetRequiredService<DaemonMetrics>(), log);
    }

    /// <summary>
    /// Runs the daemon's host (Quartz, jobs, the same registration as `run`) until <paramref name="done"/> (at most
    /// 30 s), then stops it as SIGTERM would.
    /// </summary>
    private static async Task<DaemonMetrics> RunUntilAsync(StageRig rig, Hook? hook, LogLines log, Func<bool> done)
    {
        using var host = DaemonHost.Build(rig.Options, Connection(rig), TimeProvider.System, _ => null,
            logging => logging.AddProvider(log), services => Replace(services, rig, hook));
        await host.StartAsync();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!done() && waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(50);
        }

        await host.StopAsync();
        Assert.True(done(), "the daemon never got there");
        return host.Services.GetRequiredService<DaemonMetrics>();
    }

    private static EtcdConnectionSettings Connection(StageRig rig) => new() { Endpoints = [rig.Endpoint] };

    private static void Replace(IServiceCollection services, StageRig rig, Hook? hook)
    {
        services.AddSingleton<IObjectStore>(rig.Store);
        services.AddSingleton(rig.Client);
        if (hook is not null)
        {
            services.AddSingleton(new FailureWebhook(hook.Url, rig.Options.Cluster, rig.Options.Node, TimeProvider.System, NullLogger.Instance));
        }
    }

    /// <summary>The stages that counted a failure (every stage's series exists from the start at 0).</summary>
    private static List<string> Failures(string metrics) =>
        metrics.Split('\n').Where(l => l.StartsWith("etcd_agent_failures_total{", StringComparison.Ordinal) && !l.EndsWith("} 0", StringComparison.Ordinal)).ToList();

    /// <summary>Every formatted log line, whatever the category.</summary>
    private sealed class LogLines : ILoggerFactory, ILoggerProvider, ILogger
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

using EtcdAgent.Diagnostics;
using EtcdAgent.Drill;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Diagnostics;

/// <summary>
/// The metric names, types, labels and label values are an interface operators alert on: pinned here as they were
/// before prometheus-net wrote the exposition (the order of series within a family is the library's).
/// </summary>
public sealed class DaemonMetricsTests
{
    /// <summary>Every family, with its type, from the start (labelled ones without series until they get one).</summary>
    private static readonly string[] Types =
    [
        "# TYPE etcd_agent_backup_interval_seconds gauge",
        "# TYPE etcd_agent_backups_in_store gauge",
        "# TYPE etcd_agent_build_info gauge",
        "# TYPE etcd_agent_drill_failures_total counter",
        "# TYPE etcd_agent_drill_interval_seconds gauge",
        "# TYPE etcd_agent_failures_total counter",
        "# TYPE etcd_agent_last_backup_duration_seconds gauge",
        "# TYPE etcd_agent_last_backup_raw_bytes gauge",
        "# TYPE etcd_agent_last_backup_revision gauge",
        "# TYPE etcd_agent_last_backup_stored_bytes gauge",
        "# TYPE etcd_agent_last_drill_duration_seconds gauge",
        "# TYPE etcd_agent_last_drill_info gauge",
        "# TYPE etcd_agent_last_drill_stage_ok gauge",
        "# TYPE etcd_agent_last_drill_success_timestamp_seconds gauge",
        "# TYPE etcd_agent_last_drill_timestamp_seconds gauge",
        "# TYPE etcd_agent_last_failure_timestamp_seconds gauge",
        "# TYPE etcd_agent_last_success_timestamp_seconds gauge",
        "# TYPE etcd_agent_lock_holder_info gauge",
        "# TYPE etcd_agent_prune_locked_backups gauge",
        "# TYPE etcd_agent_prune_old_version_bytes gauge",
        "# TYPE etcd_agent_spool_backlog gauge",
        "# TYPE etcd_agent_start_time_seconds gauge",
    ];

    [Fact]
    public void AFreshDaemonExportsItsStartingValues()
    {
        Assert.Equal(
            [
                .. Types,
                "etcd_agent_backup_interval_seconds 3600",
                "etcd_agent_backups_in_store -1",
                "etcd_agent_build_info{version=\"1.2.3\"} 1",
                "etcd_agent_drill_interval_seconds 0",
                "etcd_agent_failures_total{stage=\"drill\"} 0",
                "etcd_agent_failures_total{stage=\"encode\"} 0",
                "etcd_agent_failures_total{stage=\"etcd\"} 0",
                "etcd_agent_failures_total{stage=\"lock\"} 0",
                "etcd_agent_failures_total{stage=\"manifest\"} 0",
                "etcd_agent_failures_total{stage=\"other\"} 0",
                "etcd_agent_failures_total{stage=\"prune\"} 0",
                "etcd_agent_failures_total{stage=\"snapshot\"} 0",
                "etcd_agent_failures_total{stage=\"spool\"} 0",
                "etcd_agent_failures_total{stage=\"upload\"} 0",
                "etcd_agent_failures_total{stage=\"verify\"} 0",
                "etcd_agent_last_backup_duration_seconds 0",
                "etcd_agent_last_backup_raw_bytes 0",
                "etcd_agent_last_backup_revision 0",
                "etcd_agent_last_backup_stored_bytes 0",
                "etcd_agent_last_drill_duration_seconds 0",
                "etcd_agent_last_drill_success_timestamp_seconds 0",
                "etcd_agent_last_drill_timestamp_seconds 0",
                "etcd_agent_last_failure_timestamp_seconds 0",
                "etcd_agent_last_success_timestamp_seconds 0",
                "etcd_agent_lock_holder_info{holder=\"\"} 1",
                "etcd_agent_prune_locked_backups 0",
                "etcd_agent_prune_old_version_bytes 0",
                "etcd_agent_spool_backlog 0",
                "etcd_agent_start_time_seconds 1796117176",
            ],
            Lines(new DaemonMetrics(Frozen(), "1.2.3")));
    }

    [Fact]
    public void EveryMetricKeepsItsNameTypeAndLabels()
    {
        var metrics = new DaemonMetrics(Frozen(), "1.2.3") { Interval = TimeSpan.FromMinutes(30) };
        metrics.DrillScheduled(TimeSpan.FromDays(1));
        metrics.Succeeded(2.5, 1000, 400, 42);
        metrics.ServedBy("node \"a\"");
        metrics.ServedBy("node-b");
        metrics.Store(3);
        metrics.PruneHeld(2, 4096);
        metrics.Spool(1);
        metrics.Failed(FailureStage.Upload);
        metrics.Failed(FailureStage.Upload);
        metrics.Failed(FailureStage.Etcd);
        metrics.DrillFinished(new DrillReport { BackupId = "x", Mode = "full", Result = "fail", FailedStage = "start", Stages = [new DrillStage("fetch", 1, true), new DrillStage("start", 1, false)], DurationSeconds = 3.25 });
        metrics.DrillFinished(new DrillReport { BackupId = "x", Mode = "verify-only", Result = "pass", Stages = [new DrillStage("fetch", 1, true), new DrillStage("check", 1, true)], DurationSeconds = 1.5 });

        Assert.Equal(
            [
                .. Types,
                "etcd_agent_backup_interval_seconds 1800",
                "etcd_agent_backups_in_store 3",
                "etcd_agent_build_info{version=\"1.2.3\"} 1",
                "etcd_agent_drill_failures_total{stage=\"start\"} 1",
                "etcd_agent_drill_interval_seconds 86400",
                "etcd_agent_failures_total{stage=\"drill\"} 0",
                "etcd_agent_failures_total{stage=\"encode\"} 0",
                "etcd_agent_failures_total{stage=\"etcd\"} 1",
                "etcd_agent_failures_total{stage=\"lock\"} 0",
                "etcd_agent_failures_total{stage=\"manifest\"} 0",
                "etcd_agent_failures_total{stage=\"other\"} 0",
                "etcd_agent_failures_total{stage=\"prune\"} 0",
                "etcd_agent_failures_total{stage=\"snapshot\"} 0",
                "etcd_agent_failures_total{stage=\"spool\"} 0",
                "etcd_agent_failures_total{stage=\"upload\"} 2",
                "etcd_agent_failures_total{stage=\"verify\"} 0",
                "etcd_agent_last_backup_duration_seconds 2.5",
                "etcd_agent_last_backup_raw_bytes 1000",
                "etcd_agent_last_backup_revision 42",
                "etcd_agent_last_backup_stored_bytes 400",
                "etcd_agent_last_drill_duration_seconds 1.5",
                "etcd_agent_last_drill_info{mode=\"verify-only\",result=\"pass\"} 1",
                "etcd_agent_last_drill_stage_ok{stage=\"check\"} 1",
                "etcd_agent_last_drill_stage_ok{stage=\"fetch\"} 1",
                "etcd_agent_last_drill_success_timestamp_seconds 1796117176",
                "etcd_agent_last_drill_timestamp_seconds 1796117176",
                "etcd_agent_last_failure_timestamp_seconds 1796117176",
                "etcd_agent_last_success_timestamp_seconds 1796117176",
                "etcd_agent_lock_holder_info{holder=\"node-b\"} 1",
                "etcd_agent_prune_locked_backups 2",
                "etcd_agent_prune_old_version_bytes 4096",
                "etcd_agent_spool_backlog 1",
                "etcd_agent_start_time_seconds 1796117176",
            ],
            Lines(metrics));
    }

    [Fact]
    public void TheRegistryIsTheDaemonsOwn()
    {
        var one = new DaemonMetrics(Frozen(), "1");
        var two = new DaemonMetrics(Frozen(), "2");
        one.Failed(FailureStage.Upload);

        Assert.Contains("etcd_agent_failures_total{stage=\"upload\"} 1", one.Render(), StringComparison.Ordinal);
        Assert.Contains("etcd_agent_failures_total{stage=\"upload\"} 0", two.Render(), StringComparison.Ordinal);
        Assert.DoesNotContain("process_", one.Render(), StringComparison.Ordinal);
        Assert.DoesNotContain("dotnet_", one.Render(), StringComparison.Ordinal);
    }

    /// <summary>A clock stopped at the instant the expected timestamps name.</summary>
    [Fact]
    public void ContinuousCaptureMetricsAppearWhenItIsOnWithLagReadAtEachScrape()
    {
        var metrics = new DaemonMetrics(Frozen(), "1.2.3");
        Assert.DoesNotContain(Lines(metrics), l => l.Contains("continuous", StringComparison.Ordinal));

        var lag = (Revisions: 0L, Seconds: 0d);
        var stream = metrics.EnableStream(() => true, () => lag);
        stream.Committed(1234);
        stream.Gap();
        lag = (42, 3.5);
        Assert.Equal(
            [
                "# TYPE etcd_agent_continuous_failures_total counter",
                "# TYPE etcd_agent_continuous_gaps_total counter",
                "# TYPE etcd_agent_continuous_lag_revisions gauge",
                "# TYPE etcd_agent_continuous_lag_seconds gauge",
                "# TYPE etcd_agent_continuous_last_revision gauge",
                "# TYPE etcd_agent_continuous_segments_total counter",
                "# TYPE etcd_agent_continuous_streaming gauge",
                "etcd_agent_continuous_failures_total 0",
                "etcd_agent_continuous_gaps_total 1",
                "etcd_agent_continuous_lag_revisions 42",
                "etcd_agent_continuous_lag_seconds 3.5",
                "etcd_agent_continuous_last_revision 1234",
                "etcd_agent_continuous_segments_total 1",
                "etcd_agent_continuous_streaming 1",
            ],
            Lines(metrics).Where(l => l.Contains("continuous", StringComparison.Ordinal)));
        lag = (0, 0);
        Assert.Contains("etcd_agent_continuous_lag_seconds 0", Lines(metrics));
        Assert.Same(stream, metrics.EnableStream(() => false, () => lag));
    }

    [Fact]
    public void TheBundleGaugeExistsOnlyOnceABundleWasExpectedAndSaysWhetherTheLastBackupHadOne()
    {
        var metrics = new DaemonMetrics(Frozen(), "1.2.3");
        Assert.DoesNotContain(Lines(metrics), l => l.Contains("bundle", StringComparison.Ordinal));

        metrics.BundleStored(false);
        Assert.Contains("etcd_agent_last_backup_bundle 0", Lines(metrics));
        metrics.BundleStored(true);
        Assert.Contains("etcd_agent_last_backup_bundle 1", Lines(metrics));
        Assert.Single(Lines(metrics), l => l.StartsWith("etcd_agent_last_backup_bundle ", StringComparison.Ordinal));
    }

    private static FakeTimeProvider Frozen() => new(DateTimeOffset.FromUnixTimeSeconds(1_796_117_176));

    /// <summary>The TYPE and sample lines, sorted (HELP texts and series order are not part of the interface).</summary>
    private static string[] Lines(DaemonMetrics metrics) =>
        [.. metrics.Render().Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("# HELP", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
}

using Prometheus;

namespace EtcdAgent.Diagnostics;

/// <summary>
/// What the daemon has done, as prometheus-net metrics in a registry of its own (not the library's static default:
/// no process/runtime metrics are added, and tests can run several daemons in one process), and the state /healthz
/// judges. Updated by the loop, read by the HTTP listener. Failures are counted by stage (<see cref="FailureStage"/>),
/// so an alert can tell a store outage from a corrupt snapshot. The names, types and labels are an interface
/// operators alert on: DaemonMetricsTests pins them.
/// </summary>
internal sealed class DaemonMetrics
{
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _started;
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly Gauge _lastSuccess;
    private readonly Gauge _lastFailure;
    private readonly Gauge _lastDuration;
    private readonly Gauge _rawBytes;
    private readonly Gauge _storedBytes;
    private readonly Gauge _revision;
    private readonly Gauge _backupsInStore;
    private readonly Gauge _pruneLocked;
    private readonly Gauge _pruneOldVersionBytes;
    private readonly Gauge _spoolBacklog;
    private readonly Gauge _lockHolder;
    private readonly Gauge _lastDrillSuccess;
    private readonly Gauge _lastDrillDuration;
    private readonly Gauge _lastDrillInfo;
    private readonly Gauge _lastDrillStageOk;
    private readonly Counter _drillFailures;
    private readonly Counter _failures;
    private readonly Gauge _backupInterval;
    private readonly Gauge _drillInterval;
    private readonly Gauge _lastDrill;
    private Gauge? _lastBundle;
    private DateTimeOffset? _lastSuccessAt;
    private TimeSpan _interval = TimeSpan.FromHours(1);
    private string _holder = string.Empty;
    private string[]? _drillInfo;

    public DaemonMetrics(TimeProvider time, string version)
    {
        _time = time;
        _started = time.GetUtcNow();
        var factory = Metrics.WithCustomRegistry(_registry);
        factory.CreateGauge("etcd_agent_build_info", "etcd-agent build.", "version").WithLabels(version).Set(1);
        _lastSuccess = factory.CreateGauge("etcd_agent_last_success_timestamp_seconds", "When the cluster last got a backup (0: never since start).");
        _lastFailure = factory.CreateGauge("etcd_agent_last_failure_timestamp_seconds", "When a tick last failed on this node (0: never).");
        _lastDuration = factory.CreateGauge("etcd_agent_last_backup_duration_seconds", "Duration of this node's last backup.");
        _rawBytes = factory.CreateGauge("etcd_agent_last_backup_raw_bytes", "Snapshot size of this node's last backup.");
        _storedBytes = factory.CreateGauge("etcd_agent_last_backup_stored_bytes", "Stored (compressed, encrypted) size of this node's last backup.");
        _revision = factory.CreateGauge("etcd_agent_last_backup_revision", "etcd revision in this node's last backup.");
        _backupsInStore = factory.CreateGauge("etcd_agent_backups_in_store", "Backups of this cluster in the store after the last prune (-1: unknown).");
        _backupsInStore.Set(-1);
        _pruneLocked = factory.CreateGauge("etcd_agent_prune_locked_backups", "Expired backups the last prune kept because Object Lock retention still holds them.");
        _pruneOldVersionBytes = factory.CreateGauge("etcd_agent_prune_old_version_bytes", "Bytes of the backups the last prune deleted that a versioned bucket still holds as old versions.");
        _spoolBacklog = factory.CreateGauge("etcd_agent_spool_backlog", "Verified snapshots waiting in the spool for the store.");
        _lockHolder = factory.CreateGauge("etcd_agent_lock_holder_info", "Who served the last tick.", "holder");
        _lockHolder.WithLabels(_holder).Set(1);
        _lastDrillSuccess = factory.CreateGauge("etcd_agent_last_drill_success_timestamp_seconds", "When a restore drill last passed on this node (0: never since start).");
        _lastDrillDuration = factory.CreateGauge("etcd_agent_last_drill_duration_seconds", "Duration of this node's last restore drill.");
        _lastDrillInfo = factory.CreateGauge("etcd_agent_last_drill_info", "This node's last restore drill: mode (full or verify-only) and result.", "mode", "result");
        _lastDrillStageOk = factory.CreateGauge("etcd_agent_last_drill_stage_ok", "Each stage of the last drill: 1 passed, 0 failed.", "stage");
        _drillFailures = factory.CreateCounter("etcd_agent_drill_failures_total", "Failed restore drills by stage.", "stage");
        _failures = factory.CreateCounter("etcd_agent_failures_total", "Failed ticks by stage.", "stage");

        // Every stage's series exists from the start at 0: a counter that first appears at 1 hides that failure from
        // increase()/rate(), so an alert on "3 failures" would fire only at the 4th.
        foreach (var stage in Enum.GetValues<FailureStage>())
        {
            _failures.WithLabels(stage.Label());
        }

        // Exported so alerting rules can say "3 intervals" and "since start" without each operator copying the
        // schedule into them (packaging/monitoring/etcd-agent.rules.yml).
        factory.CreateGauge("etcd_agent_start_time_seconds", "When this agent started.").Set(_started.ToUnixTimeSeconds());
        _backupInterval = factory.CreateGauge("etcd_agent_backup_interval_seconds", "Time between two backup ticks of the schedule.");
        _backupInterval.Set(_interval.TotalSeconds);
        _drillInterval = factory.CreateGauge("etcd_agent_drill_interval_seconds", "Time between two scheduled restore drills (0: drills are off).");
        _lastDrill = factory.CreateGauge("etcd_agent_last_drill_timestamp_seconds", "When this node's last restore drill finished, passed or failed (0: never since start).");
    }

    /// <summary>How long between ticks, so health can be judged in ticks.</summary>
    public TimeSpan Interval
    {
        get => _interval;
        set
        {
            _interval = value;
            _backupInterval.Set(value.TotalSeconds);
        }
    }

    /// <summary>How long between scheduled drills; never called (the gauge stays 0) while drills are off.</summary>
    public void DrillScheduled(TimeSpan interval) => _drillInterval.Set(interval.TotalSeconds);

    /// <summary>The continuous capture's metrics, once it is on.</summary>
    public StreamMetrics? Stream { get; private set; }

    /// <summary>Adds the continuous capture's metrics (continuous capture is on).</summary>
    public StreamMetrics EnableStream(Func<bool> streaming, Func<(long Revisions, double Seconds)> lag) =>
        Stream ??= new StreamMetrics(_registry, streaming, lag);

    /// <summary>The daemon's own registry, for the exposition endpoint.</summary>
    public CollectorRegistry Registry => _registry;

    public void Succeeded(double durationSeconds, long rawBytes, long storedBytes, long revision)
    {
        lock (_gate)
        {
            _lastSuccessAt = _time.GetUtcNow();
            _lastSuccess.Set(_lastSuccessAt.Value.ToUnixTimeSeconds());
        }

        _lastDuration.Set(durationSeconds);
        _rawBytes.Set(rawBytes);
        _storedBytes.Set(storedBytes);
        _revision.Set(revision);
    }

    /// <summary>A tick (or a prune) failed at <paramref name="stage"/>, as the failure itself says (<see cref="FailureStages.Of"/>).</summary>
    public void Failed(FailureStage stage)
    {
        _lastFailure.Set(_time.GetUtcNow().ToUnixTimeSeconds());
        _failures.WithLabels(stage.Label()).Inc();
    }

    /// <summary>Who served the last tick (this node or another), as the lock said.</summary>
    public void ServedBy(string holder)
    {
        // A double quote became a single one before prometheus-net escaped labels; kept so the series stays the same.
        holder = holder.Replace("\"", "'", StringComparison.Ordinal);
        lock (_gate)
        {
            _lastSuccessAt = _time.GetUtcNow(); // the cluster has a fresh backup even if another node made it
            _lastSuccess.Set(_lastSuccessAt.Value.ToUnixTimeSeconds());
            _lockHolder.WithLabels(holder).Set(1);
            if (holder != _holder)
            {
                _lockHolder.RemoveLabelled(_holder);
                _holder = holder;
            }
        }
    }

    public void Store(int backups) => _backupsInStore.Set(backups);

    /// <summary>What the last prune could not free: backups under Object Lock, bytes held as old versions.</summary>
    public void PruneHeld(int lockedBackups, long oldVersionBytes)
    {
        _pruneLocked.Set(lockedBackups);
        _pruneOldVersionBytes.Set(oldVersionBytes);
    }

    public void Spool(int backlog) => _spoolBacklog.Set(backlog);

    /// <summary>
    /// Whether this node's last backup carried its recovery bundle (bundle.enabled only: the series exists only where
    /// a bundle is expected, so an alert on 0 never fires on nodes that do not bundle).
    /// </summary>
    public void BundleStored(bool stored)
    {
        _lastBundle ??= Metrics.WithCustomRegistry(_registry).CreateGauge("etcd_agent_last_backup_bundle",
            "1 when this node's last backup carried its control-plane recovery bundle, 0 when the bundle was refused or failed (the snapshot was stored).");
        _lastBundle.Set(stored ? 1 : 0);
    }

    /// <summary>Healthy while the last success (or the start) is within <paramref name="ticks"/> intervals.</summary>
    public (bool Healthy, string Reason) Health(double ticks)
    {
        lock (_gate)
        {
            var since = _lastSuccessAt ?? _started;
            var age = _time.GetUtcNow() - since;
            var limit = Interval * ticks;
            return age <= limit
                ? (true, _lastSuccessAt is null ? $"ok: no backup yet (started {age.TotalSeconds:0}s ago)" : $"ok: last backup {age.TotalSeconds:0}s ago")
                : (false, $"unhealthy: no successful backup for {age.TotalSeconds:0}s (limit {limit.TotalSeconds:0}s = {ticks} ticks)");
        }
    }

    /// <summary>A drill finished (on this node): only its info and stages are exported, not an earlier drill's.</summary>
    public void DrillFinished(Drill.DrillReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        lock (_gate)
        {
            // A scrape runs beside this without the lock: the result (etcd_agent_last_drill_info, what alerts and
            // dashboards key on) is set last, so a scrape that sees it also sees the timestamp, stages and duration.
            _lastDrillDuration.Set(report.DurationSeconds);
            _lastDrill.Set(_time.GetUtcNow().ToUnixTimeSeconds());
            if (report.Passed)
            {
                _lastDrillSuccess.Set(_time.GetUtcNow().ToUnixTimeSeconds());
            }
            else
            {
                _drillFailures.WithLabels(report.FailedStage ?? "other").Inc();
            }

            foreach (var labels in _lastDrillStageOk.GetAllLabelValues().ToList())
            {
                if (!report.Stages.Any(s => s.Name == labels[0]))
                {
                    _lastDrillStageOk.RemoveLabelled(labels);
                }
            }

            foreach (var stage in report.Stages)
            {
                _lastDrillStageOk.WithLabels(stage.Name).Set(stage.Ok ? 1 : 0);
            }

            string[] info = [report.Mode, report.Result];
            _lastDrillInfo.WithLabels(info).Set(1);
            if (_drillInfo is { } previous && !previous.SequenceEqual(info, StringComparer.Ordinal))
            {
                _lastDrillInfo.RemoveLabelled(previous);
            }

            _drillInfo = info;
        }
    }

    /// <summary>The Prometheus text exposition format (version 0.0.4), as prometheus-net writes it.</summary>
    public Task ExportAsync(Stream destination, CancellationToken cancel) =>
        _registry.CollectAndExportAsTextAsync(destination, ExpositionFormat.PrometheusText, cancel);

    /// <summary>The exposition as a string, for the node_exporter textfile.</summary>
    public string Render()
    {
        using var text = new MemoryStream();
        ExportAsync(text, CancellationToken.None).GetAwaiter().GetResult();
        return System.Text.Encoding.UTF8.GetString(text.GetBuffer(), 0, (int)text.Length);
    }
}

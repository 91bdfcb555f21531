using System.Globalization;
using System.Text;

namespace EtcdAgent.Diagnostics;

/// <summary>
/// What the daemon has done, for the Prometheus endpoint and /healthz. Updated by the loop, read by the HTTP
/// listener; a lock keeps the two consistent. Failures are counted by stage (<see cref="FailureStage"/>), so an alert
/// can tell a store outage from a corrupt snapshot.
/// </summary>
internal sealed class DaemonMetrics(TimeProvider time, string version)
{
    private readonly object _gate = new();
    private readonly Dictionary<string, long> _failures = new(StringComparer.Ordinal);
    private readonly DateTimeOffset _started = time.GetUtcNow();
    private DateTimeOffset? _lastSuccess;
    private DateTimeOffset? _lastFailure;
    private double _lastDuration;
    private long _rawBytes;
    private long _storedBytes;
    private long _revision;
    private int _backupsInStore = -1;
    private int _spoolBacklog;
    private string _lockHolder = string.Empty;
    private DateTimeOffset? _lastDrillSuccess;
    private double _lastDrillDuration;
    private string? _lastDrillMode;
    private string? _lastDrillResult;
    private IReadOnlyList<Drill.DrillStage> _lastDrillStages = [];
    private readonly Dictionary<string, long> _drillFailures = new(StringComparer.Ordinal);

    /// <summary>How long between ticks, so health can be judged in ticks.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    public void Succeeded(double durationSeconds, long rawBytes, long storedBytes, long revision)
    {
        lock (_gate)
        {
            (_lastSuccess, _lastDuration, _rawBytes, _storedBytes, _revision) = (time.GetUtcNow(), durationSeconds, rawBytes, storedBytes, revision);
        }
    }

    /// <summary>A tick (or a prune) failed at <paramref name="stage"/>, as the failure itself says (<see cref="FailureStages.Of"/>).</summary>
    public void Failed(FailureStage stage)
    {
        var label = stage.Label();
        lock (_gate)
        {
            _lastFailure = time.GetUtcNow();
            _failures[label] = _failures.GetValueOrDefault(label) + 1;
        }
    }

    /// <summary>Who served the last tick (this node or another), as the lock said.</summary>
    public void ServedBy(string holder)
    {
        lock (_gate)
        {
            _lastSuccess = time.GetUtcNow(); // the cluster has a fresh backup even if another node made it
            _lockHolder = holder;
        }
    }

    public void Store(int backups)
    {
        lock (_gate)
        {
            _backupsInStore = backups;
        }
    }

    public void Spool(int backlog)
    {
        lock (_gate)
        {
            _spoolBacklog = backlog;
        }
    }

    /// <summary>Healthy while the last success (or the start) is within <paramref name="ticks"/> intervals.</summary>
    public (bool Healthy, string Reason) Health(double ticks)
    {
        lock (_gate)
        {
            var since = _lastSuccess ?? _started;
            var age = time.GetUtcNow() - since;
            var limit = Interval * ticks;
            return age <= limit
                ? (true, _lastSuccess is null ? $"ok: no backup yet (started {age.TotalSeconds:0}s ago)" : $"ok: last backup {age.TotalSeconds:0}s ago")
                : (false, $"unhealthy: no successful backup for {age.TotalSeconds:0}s (limit {limit.TotalSeconds:0}s = {ticks} ticks)");
        }
    }

    /// <summary>A drill finished (on this node).</summary>
    public void DrillFinished(Drill.DrillReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        lock (_gate)
        {
            _lastDrillDuration = report.DurationSeconds;
            _lastDrillMode = report.Mode;
            _lastDrillResult = report.Result;
            _lastDrillStages = report.Stages;
            if (report.Passed)
            {
                _lastDrillSuccess = time.GetUtcNow();
            }
            else
            {
                var stage = report.FailedStage ?? "other";
                _drillFailures[stage] = _drillFailures.GetValueOrDefault(stage) + 1;
            }
        }
    }

    /// <summary>The Prometheus text exposition format (version 0.0.4).</summary>
    public string Render()
    {
        var text = new StringBuilder();
        void Gauge(string name, string help, double value, string labels = "")
        {
            text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} gauge\n{name}{labels} {value.ToString(CultureInfo.InvariantCulture)}\n");
        }

        lock (_gate)
        {
            Gauge("etcd_agent_build_info", "etcd-agent build.", 1, $"{{version=\"{version}\"}}");
            Gauge("etcd_agent_last_success_timestamp_seconds", "When the cluster last got a backup (0: never since start).", _lastSuccess?.ToUnixTimeSeconds() ?? 0);
            Gauge("etcd_agent_last_failure_timestamp_seconds", "When a tick last failed on this node (0: never).", _lastFailure?.ToUnixTimeSeconds() ?? 0);
            Gauge("etcd_agent_last_backup_duration_seconds", "Duration of this node's last backup.", _lastDuration);
            Gauge("etcd_agent_last_backup_raw_bytes", "Snapshot size of this node's last backup.", _rawBytes);
            Gauge("etcd_agent_last_backup_stored_bytes", "Stored (compressed, encrypted) size of this node's last backup.", _storedBytes);
            Gauge("etcd_agent_last_backup_revision", "etcd revision in this node's last backup.", _revision);
            Gauge("etcd_agent_backups_in_store", "Backups of this cluster in the store after the last prune (-1: unknown).", _backupsInStore);
            Gauge("etcd_agent_spool_backlog", "Verified snapshots waiting in the spool for the store.", _spoolBacklog);
            Gauge("etcd_agent_lock_holder_info", "Who served the last tick.", 1, $"{{holder=\"{_lockHolder.Replace("\"", "'", StringComparison.Ordinal)}\"}}");
            Gauge("etcd_agent_last_drill_success_timestamp_seconds", "When a restore drill last passed on this node (0: never since start).", _lastDrillSuccess?.ToUnixTimeSeconds() ?? 0);
            Gauge("etcd_agent_last_drill_duration_seconds", "Duration of this node's last restore drill.", _lastDrillDuration);
            if (_lastDrillResult is not null)
            {
                Gauge("etcd_agent_last_drill_info", "This node's last restore drill: mode (full or verify-only) and result.", 1,
                    $"{{mode=\"{_lastDrillMode}\",result=\"{_lastDrillResult}\"}}");
                text.Append("# HELP etcd_agent_last_drill_stage_ok Each stage of the last drill: 1 passed, 0 failed.\n# TYPE etcd_agent_last_drill_stage_ok gauge\n");
                foreach (var stage in _lastDrillStages)
                {
                    text.Append(CultureInfo.InvariantCulture, $"etcd_agent_last_drill_stage_ok{{stage=\"{stage.Name}\"}} {(stage.Ok ? 1 : 0)}\n");
                }
            }

            text.Append("# HELP etcd_agent_drill_failures_total Failed restore drills by stage.\n# TYPE etcd_agent_drill_failures_total counter\n");
            foreach (var (stage, count) in _drillFailures.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                text.Append(CultureInfo.InvariantCulture, $"etcd_agent_drill_failures_total{{stage=\"{stage}\"}} {count}\n");
            }

            text.Append("# HELP etcd_agent_failures_total Failed ticks by stage.\n# TYPE etcd_agent_failures_total counter\n");
            foreach (var (stage, count) in _failures.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                text.Append(CultureInfo.InvariantCulture, $"etcd_agent_failures_total{{stage=\"{stage}\"}} {count}\n");
            }
        }

        return text.ToString();
    }
}

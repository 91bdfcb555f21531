using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Configuration;
using EtcdAgent.Coordination;
using EtcdAgent.Diagnostics;
using EtcdAgent.Drill;
using EtcdAgent.Hosting;
using EtcdAgent.Manifests;
using EtcdAgent.Protocol.Etcd;
using EtcdAgent.Storage;
using Microsoft.Extensions.Logging;

namespace EtcdAgent.Scheduling;

/// <summary>
/// A scheduled restore drill of the newest backup. One agent per cluster runs it (the same lock as backups, under
/// the cluster's drill key); a failure is counted, logged and sent to the webhook, never fatal.
/// </summary>
internal sealed partial class DrillTick(AgentOptions options, EtcdClient client, IObjectStore store, Lazy<KeyringService> keys,
    DaemonMetrics metrics, TimeProvider time, ILoggerFactory loggers, FailureWebhook? webhook = null)
{
    private readonly ILogger _logger = loggers.CreateLogger("EtcdAgent.Daemon");

    public async Task RunAsync(DateTimeOffset fire, CancellationToken stop)
    {
        try
        {
            LockHandle? handle = null;
            if (!options.Schedule.PerNode)
            {
                var attempt = await ClusterLock.TryAcquireAsync(client, options.Cluster + "/drill", options.Node, fire, ClusterLock.DefaultTtl, stop).ConfigureAwait(false);
                if (attempt.Outcome != LockOutcome.Acquired)
                {
                    return;
                }

                handle = attempt.Handle;
            }

            try
            {
                var manifest = await BackupCatalog.FindAsync(store, options.Cluster, "latest", stop).ConfigureAwait(false);
                var report = await new DrillRunner(options.Drill, options.Schedule.StateDir, options.Backup.MaxSnapshotSize, time, loggers, Environment.GetEnvironmentVariable)
                    .RunAsync(store, manifest, keys.Value.Keyring, stop).ConfigureAwait(false);
                metrics.DrillFinished(report);
                if (report.Passed)
                {
                    Log.DrillPassed(_logger, report.BackupId, report.Mode, report.DurationSeconds);
                }
                else
                {
                    Log.DrillFailed(_logger, report.BackupId, report.FailedStage ?? "?", report.Error ?? string.Empty);
                    if (webhook is not null)
                    {
                        await webhook.DrillFailedAsync(fire, report.FailedStage, report.Error ?? string.Empty).ConfigureAwait(false);
                    }
                }

                if (handle is not null)
                {
                    await handle.CompleteAsync(stop).ConfigureAwait(false);
                }
            }
            finally
            {
                if (handle is not null)
                {
                    await handle.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // A drill that cannot even start (no backup yet, etcd down) is reported, never fatal.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            // What the drill's own steps did not claim (the lock did) is the drill's: no backup yet, a missing key.
            // Metrics first: whoever reads the log line (an operator, a test) then sees /metrics already counting it.
            var stage = FailureStages.Of(ex.At(FailureStage.Drill)).Label();
            metrics.DrillFinished(new DrillReport { BackupId = "latest", Mode = "full", Result = "fail", FailedStage = "other", Error = ex.Message, Stages = [] });
            Log.DrillFailed(_logger, "latest", stage, ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3020, Level = LogLevel.Information, Message = "Restore drill of {Id} passed ({Mode}, {Seconds:0.0} s)")]
        public static partial void DrillPassed(ILogger logger, string id, string mode, double seconds);

        [LoggerMessage(EventId = 3021, Level = LogLevel.Error, Message = "Restore drill of {Id} FAILED at {Stage}: {Reason}")]
        public static partial void DrillFailed(ILogger logger, string id, string stage, string reason);
    }
}

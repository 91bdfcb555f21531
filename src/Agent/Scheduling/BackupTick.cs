using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Configuration;
using EtcdAgent.Coordination;
using EtcdAgent.Diagnostics;
using EtcdAgent.Etcd;
using EtcdAgent.Hosting;
using EtcdAgent.Protocol.Etcd;
using EtcdAgent.Snapshots;
using EtcdAgent.Storage;
using Microsoft.Extensions.Logging;

namespace EtcdAgent.Scheduling;

/// <summary>
/// One scheduled backup tick, the same for the daemon's backup job and `run --once`: check the local member, compete
/// for the cluster lock (perCluster), upload the spool's backlog, run the backup pipeline (the one `backup create`
/// runs), then prune when no prune schedule is set. Keys come from the keyring the composition loaded (once, at
/// start, for `run`); a keyring that cannot load fails the tick that needs it. A failed tick is logged, counted and posted with the
/// <see cref="FailureStage"/> the failing step put on it, never thrown: the daemon never crash-loops on it.
/// </summary>
internal sealed partial class BackupTick(AgentOptions options, EtcdClient client, EtcdConnectionSettings connection, IObjectStore store,
    Lazy<KeyringService> keys, PruneTick prune, DaemonMetrics metrics, TimeProvider time, ILoggerFactory loggers, FailureWebhook? webhook = null)
{
    private readonly ILogger _logger = loggers.CreateLogger("EtcdAgent.Daemon");

    /// <summary>
    /// Runs the tick of <paramref name="fire"/>. True when this agent has nothing left to do for it (served, served by
    /// another agent, or skipped on purpose); false when it failed and is worth a retry. <paramref name="summary"/>
    /// gets the line systemd's STATUS shows.
    /// </summary>
    public async Task<bool> RunAsync(DateTimeOffset fire, bool pruneAfter, Liveness.Running? progress, Action<string> summary, CancellationToken stop)
    {
        try
        {
            var endpoint = connection.Endpoints[0];
            var status = await FailureStages.RunAsync(FailureStage.Etcd, () => client.StatusAsync(endpoint, stop)).ConfigureAwait(false);
            if (status.IsLearner)
            {
                Log.Skipped(_logger, fire, "the local member is a learner");
                return true;
            }

            var alarms = await FailureStages.RunAsync(FailureStage.Etcd, () => client.ListAlarmsAsync(stop)).ConfigureAwait(false);
            if (alarms.Any(a => a.MemberID == status.Header.MemberId && a.Alarm == Etcdserverpb.AlarmType.Corrupt))
            {
                // A NOSPACE alarm is exactly when a backup matters; CORRUPT means this member's data is suspect.
                Log.Skipped(_logger, fire, "the local member has a CORRUPT alarm");
                return true;
            }

            if (options.Schedule.PerNode)
            {
                summary(await BackupAsync(fire, endpoint, null, progress, stop).ConfigureAwait(false));
            }
            else
            {
                if (status.Leader == status.Header.MemberId && options.Schedule.LeaderDelay > TimeSpan.Zero)
                {
                    await (progress?.DelayAsync(options.Schedule.LeaderDelay, stop) ?? Task.Delay(options.Schedule.LeaderDelay, time, stop)).ConfigureAwait(false);
                }

                var attempt = await ClusterLock.TryAcquireAsync(client, options.Cluster, options.Node, fire, ClusterLock.DefaultTtl, stop).ConfigureAwait(false);
                switch (attempt.Outcome)
                {
                    case LockOutcome.HeldByOther:
                        Log.LockHeld(_logger, fire, attempt.Holder!);
                        metrics.ServedBy(attempt.Holder!);
                        summary($"tick {fire:u} served by {attempt.Holder}");
                        return true;
                    case LockOutcome.AlreadyServed:
                        Log.AlreadyServed(_logger, fire, attempt.LastCompleted);
                        metrics.ServedBy("another agent (tick already served)");
                        summary($"tick {fire:u} already served");
                        return true;
                }

                var handle = attempt.Handle!;
                await using (handle.ConfigureAwait(false))
                {
                    summary(await BackupAsync(fire, endpoint, handle, progress, stop).ConfigureAwait(false));
                }
            }

            if (pruneAfter)
            {
                await prune.RunAsync(stop).ConfigureAwait(false);
            }

            if (webhook is not null)
            {
                await webhook.TickSucceededAsync(fire).ConfigureAwait(false);
            }

            return true;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // A failed tick is reported and retried; the daemon never crash-loops.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            var stage = FailureStages.Of(ex);
            summary($"backup for tick {fire:u} FAILED: {ex.Message}");
            Log.TickFailed(_logger, fire, stage.Label(), ex.Message);
            metrics.Failed(stage);
            if (webhook is not null)
            {
                await webhook.TickFailedAsync(fire, stage, ex.Message).ConfigureAwait(false);
            }

            return false;
        }
        finally
        {
            metrics.Spool(Directory.Exists(options.Backup.SpoolDir) ? Directory.GetFiles(options.Backup.SpoolDir, "*.manifest.json").Length : 0);
        }
    }

    private async Task<string> BackupAsync(DateTimeOffset fire, Uri endpoint, LockHandle? handle, Liveness.Running? progress, CancellationToken stop)
    {
        // Losing the lock's lease mid-run means another agent may start: stop writing.
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(stop);
        if (handle is not null)
        {
            _ = handle.Lost.ContinueWith(
                _ =>
                {
                    try
                    {
                        lost.Cancel();
                    }
                    catch (ObjectDisposedException)
                    {
                        // The backup finished first.
                    }
                },
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        Manifests.BackupManifest manifest;
        try
        {
            // The backlog first, oldest first: snapshots verified earlier whose upload failed. If the store is still
            // down this fails too, and this tick's snapshot is still taken and spooled below.
            await UploadBacklogAsync(progress, lost.Token).ConfigureAwait(false);
            manifest = await Pipeline(progress).CreateAsync(client, endpoint, lost.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!stop.IsCancellationRequested && handle is { Lost.IsCompleted: true })
        {
            throw new InvalidOperationException(
                $"the cluster lock was lost during the backup ({await handle.Lost.ConfigureAwait(false)}); the backup was stopped", ex).At(FailureStage.Lock);
        }

        if (handle is not null)
        {
            await handle.CompleteAsync(stop).ConfigureAwait(false);
        }

        metrics.Succeeded(manifest.DurationSeconds, manifest.Raw.Size, manifest.Stored.Size, manifest.Revision);
        if (options.Bundle.Enabled)
        {
            metrics.BundleStored(manifest.Bundle is not null);
        }

        metrics.ServedBy(options.Node);
        await AnnounceAsync(manifest, stop).ConfigureAwait(false);
        Log.TickServed(_logger, fire, manifest.Id);
        return $"last backup {manifest.Id} at {time.GetUtcNow():u} OK";
    }

    /// <summary>Tells the continuous writer (any node) that a new chain can start; it also finds out from the store, later.</summary>
    private async Task AnnounceAsync(Manifests.BackupManifest manifest, CancellationToken stop)
    {
        if (!options.Continuous.Enabled)
        {
            return;
        }

        try
        {
            await BackupAnnouncement.PublishAsync(client, options.Cluster, manifest.Id, manifest.Revision, stop).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is EtcdRpcException || (ex is OperationCanceledException && !stop.IsCancellationRequested))
        {
            Log.AnnounceFailed(_logger, manifest.Id, ex.Message);
        }
    }

    /// <summary>Uploads the spool's verified snapshots, oldest first; a store still down is logged, not thrown.</summary>
    public async Task UploadBacklogAsync(Liveness.Running? progress, CancellationToken stop)
    {
        try
        {
            await Pipeline(progress).UploadSpooledAsync(stop).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is StoreException or IOException or HttpRequestException)
        {
            Log.BacklogFailed(_logger, ex.Message);
        }
    }

    private BackupPipeline Pipeline(Liveness.Running? progress) => new(options, store, time, loggers.CreateLogger("EtcdAgent.Backup"))
    {
        OnProgress = progress is null ? null : progress.Progress,
        ProbeStore = false,
        Keys = keys.Value,
    };

    private static partial class Log
    {
        [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Tick {Fire}: lock held by {Holder}; not competing")]
        public static partial void LockHeld(ILogger logger, DateTimeOffset fire, string holder);

        [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Tick {Fire}: already served (last completed tick {Last})")]
        public static partial void AlreadyServed(ILogger logger, DateTimeOffset fire, DateTimeOffset? last);

        [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "Tick {Fire}: backup {Id} stored")]
        public static partial void TickServed(ILogger logger, DateTimeOffset fire, string id);

        [LoggerMessage(EventId = 3005, Level = LogLevel.Error, Message = "Tick {Fire}: backup failed at {Stage}: {Reason}")]
        public static partial void TickFailed(ILogger logger, DateTimeOffset fire, string stage, string reason);

        [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "Tick {Fire}: skipped: {Reason}")]
        public static partial void Skipped(ILogger logger, DateTimeOffset fire, string reason);

        [LoggerMessage(EventId = 3035, Level = LogLevel.Warning, Message = "Backup {Id} could not be announced to the continuous writer ({Reason}); it starts the new chain at its next store check")]
        public static partial void AnnounceFailed(ILogger logger, string id, string reason);

        [LoggerMessage(EventId = 3011, Level = LogLevel.Warning, Message = "Spooled snapshots could not be stored yet: {Reason}")]
        public static partial void BacklogFailed(ILogger logger, string reason);
    }
}

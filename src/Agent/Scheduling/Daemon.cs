using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Configuration;
using EtcdAgent.Coordination;
using EtcdAgent.Diagnostics;
using EtcdAgent.Hosting;
using EtcdAgent.Protocol.Etcd;
using EtcdAgent.Retention;
using EtcdAgent.Snapshots;
using EtcdAgent.Storage;
using Microsoft.Extensions.Logging;

namespace EtcdAgent.Scheduling;

/// <summary>
/// `etcd-agent run`: the scheduler loop. One loop, no overlapping runs: it waits for the next tick (waking every
/// second, which is its heartbeat), checks the local member, competes for the cluster lock (perCluster) and runs the
/// same backup pipeline as `backup create`, then prunes. A failed tick is logged and reported, never fatal; etcd or
/// the store being down at start is just a failed tick. The systemd watchdog is pinged only while the loop's
/// heartbeat (or a running backup's progress) is fresh, so a stalled loop stops the pings. A failure is reported with
/// the <see cref="FailureStage"/> the failing step put on it. Encryption keys come from <paramref name="keys"/>, loaded
/// once at start by `run` (which exits 78 on a bad current key): a key rotated or removed on disk takes effect at the
/// next restart. Without it (tests) each tick loads the configured keys, and a bad key fails that tick.
/// </summary>
internal sealed partial class Daemon(AgentOptions options, EtcdClient client, Uri endpoint, IObjectStore store,
    SystemdNotifier notifier, TimeProvider time, ILoggerFactory loggers, DaemonMetrics? metrics = null,
    FailureWebhook? webhook = null, KeyringService? keys = null)
{
    /// <summary>First retry after a failed tick; doubles per failure up to <see cref="MaxBackoff"/>, never past the next tick.</summary>
    public static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(10);

    private readonly ILogger _logger = loggers.CreateLogger("EtcdAgent.Daemon");
    private long _heartbeat = time.GetTimestamp();
    private string _lastResult = "no backup yet";

    /// <summary>Runs until <paramref name="stop"/> (SIGTERM); with <paramref name="once"/> runs one tick now and returns.</summary>
    public async Task<int> RunAsync(bool once, CancellationToken stop)
    {
        var backupCron = CronSchedule.Parse(options.Schedule.Backup, options.Schedule.TimeZone);
        var pruneCron = options.Schedule.Prune is { } p ? CronSchedule.Parse(p, options.Schedule.TimeZone) : null;
        var drillCron = options.Schedule.Drill is { } d ? CronSchedule.Parse(d, options.Schedule.TimeZone) : null;
        var state = new DaemonState(options.Schedule.StateDir, options.Cluster);
        new SpoolReview(options.Backup.SpoolDir, loggers.CreateLogger("EtcdAgent.Spool")).Run();
        if (once)
        {
            var ok = await TickAsync(time.GetUtcNow(), prune: true, stop).ConfigureAwait(false);
            WriteTextfile();
            return ok ? 0 : 1;
        }

        using var watchdogStop = new CancellationTokenSource();
        var watchdog = notifier.WatchdogInterval is { } interval ? PingWatchdogAsync(interval, watchdogStop.Token) : Task.CompletedTask;
        notifier.Ready();
        var now = time.GetUtcNow();
        var nextBackup = backupCron.Next(now);
        if (metrics is not null && nextBackup is { } n1 && backupCron.Next(n1) is { } n2)
        {
            metrics.Interval = n2 - n1;
        }

        var nextPrune = pruneCron?.Next(now);
        var nextDrill = drillCron?.Next(now);
        Log.Started(_logger, backupCron.Quartz, options.Schedule.TimeZone.Id, nextBackup);
        notifier.Status($"next backup {nextBackup:u}; {_lastResult}");

        // A tick missed while this node was down runs once now (misfire), with its own fire time for deduplication.
        if (state.LastFire is { } last && backupCron.LastMissed(last, now) is { } missed)
        {
            Log.CatchingUp(_logger, missed);
            await RunAndRecordAsync(missed, pruneCron is null, state, stop).ConfigureAwait(false);
        }

        DateTimeOffset? retryAt = null;
        DateTimeOffset failedFire = default;
        var backoff = FirstBackoff;
        try
        {
            while (!stop.IsCancellationRequested && nextBackup is { } fire)
            {
                var due = nextPrune is { } np && np < fire ? np : fire;
                var drillDue = nextDrill is { } nd && nd < due;
                if (drillDue)
                {
                    due = nextDrill!.Value;
                }

                var retrying = retryAt is { } r && r < due;
                if (retrying)
                {
                    due = retryAt!.Value;
                    drillDue = false;
                }

                await WaitUntilAsync(due + (retrying ? TimeSpan.Zero : Jitter()), stop).ConfigureAwait(false);
                if (drillDue)
                {
                    await DrillTickAsync(due, stop).ConfigureAwait(false);
                    nextDrill = drillCron!.Next(Max(due, time.GetUtcNow()));
                }
                else if (retrying || due == fire)
                {
                    // A retry serves the failed tick itself: if another agent served it meanwhile, the lock says so.
                    var tick = retrying ? failedFire : fire;
                    var ok = await RunAndRecordAsync(tick, pruneCron is null, state, stop).ConfigureAwait(false);
                    if (!retrying)
                    {
                        nextBackup = backupCron.Next(Max(fire, time.GetUtcNow()));
                    }

                    if (ok)
                    {
                        (retryAt, backoff) = (null, FirstBackoff);
                    }
                    else
                    {
                        (retryAt, failedFire) = (time.GetUtcNow() + backoff, tick);
                        backoff = backoff * 2 > MaxBackoff ? MaxBackoff : backoff * 2;
                        Log.Retrying(_logger, tick, retryAt.Value);
                    }
                }
                else
                {
                    await PruneAsync(stop).ConfigureAwait(false);
                    nextPrune = pruneCron!.Next(Max(due, time.GetUtcNow()));
                }

                notifier.Status($"next backup {nextBackup:u}; {_lastResult}");
                WriteTextfile();
                ReleaseMemory();
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // SIGTERM: the in-flight backup was cancelled, its upload aborted, no manifest written.
        }

        notifier.Stopping();
        Log.Stopping(_logger);
        await watchdogStop.CancelAsync().ConfigureAwait(false);
        await watchdog.ConfigureAwait(false);
        return 0;
    }

    private async Task<bool> RunAndRecordAsync(DateTimeOffset fire, bool prune, DaemonState state, CancellationToken stop)
    {
        var ok = await TickAsync(fire, prune, stop).ConfigureAwait(false);
        state.Record(fire);
        return ok;
    }

    /// <summary>
    /// Between ticks the daemon idles for hours: give the tick's memory (part buffers, hand-off buffers, the
    /// verifier's key set) back to the OS instead of keeping it resident until the next collection.
    /// </summary>
    private static void ReleaseMemory()
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    /// <summary>The node_exporter textfile, rewritten atomically (temp + rename) so the collector never reads half.</summary>
    private void WriteTextfile()
    {
        if (options.MetricsTextfile is not { } path || metrics is null)
        {
            return;
        }

        try
        {
            File.WriteAllText(path + ".tmp", metrics.Render());
            File.Move(path + ".tmp", path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.TextfileFailed(_logger, path, ex.Message);
        }
    }

    /// <summary>One scheduled tick: local member check, lock, backup, prune. True when this agent has nothing left to do.</summary>
    private async Task<bool> TickAsync(DateTimeOffset fire, bool prune, CancellationToken stop)
    {
        try
        {
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
                await BackupAsync(fire, null, stop).ConfigureAwait(false);
            }
            else
            {
                if (status.Leader == status.Header.MemberId && options.Schedule.LeaderDelay > TimeSpan.Zero)
                {
                    await WaitAsync(options.Schedule.LeaderDelay, stop).ConfigureAwait(false);
                }

                var attempt = await ClusterLock.TryAcquireAsync(client, options.Cluster, options.Node, fire, ClusterLock.DefaultTtl, stop).ConfigureAwait(false);
                switch (attempt.Outcome)
                {
                    case LockOutcome.HeldByOther:
                        Log.LockHeld(_logger, fire, attempt.Holder!);
                        metrics?.ServedBy(attempt.Holder!);
                        _lastResult = $"tick {fire:u} served by {attempt.Holder}";
                        return true;
                    case LockOutcome.AlreadyServed:
                        Log.AlreadyServed(_logger, fire, attempt.LastCompleted);
                        metrics?.ServedBy("another agent (tick already served)");
                        _lastResult = $"tick {fire:u} already served";
                        return true;
                }

                var handle = attempt.Handle!;
                await using (handle.ConfigureAwait(false))
                {
                    await BackupAsync(fire, handle, stop).ConfigureAwait(false);
                }
            }

            if (prune)
            {
                await PruneAsync(stop).ConfigureAwait(false);
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
#pragma warning disable CA1031 // A failed tick is reported and retried at the next one; the daemon never crash-loops.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            var stage = FailureStages.Of(ex);
            _lastResult = $"backup for tick {fire:u} FAILED: {ex.Message}";
            Log.TickFailed(_logger, fire, stage.Label(), ex.Message);
            metrics?.Failed(stage);
            if (webhook is not null)
            {
                await webhook.TickFailedAsync(fire, stage, ex.Message).ConfigureAwait(false);
            }

            return false;
        }
        finally
        {
            metrics?.Spool(Directory.Exists(options.Backup.SpoolDir) ? Directory.GetFiles(options.Backup.SpoolDir, "*.manifest.json").Length : 0);
        }
    }

    private async Task BackupAsync(DateTimeOffset fire, LockHandle? handle, CancellationToken stop)
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

        var pipeline = new BackupPipeline(options, store, time, loggers.CreateLogger("EtcdAgent.Backup"))
        {
            OnProgress = () => Interlocked.Exchange(ref _heartbeat, time.GetTimestamp()),
            ProbeStore = false,
            Keys = keys,
        };

        Manifests.BackupManifest manifest;
        try
        {
            // The backlog first, oldest first: snapshots verified earlier whose upload failed. If the store is still
            // down this fails too, and this tick's snapshot is still taken and spooled below.
            try
            {
                await pipeline.UploadSpooledAsync(lost.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is Storage.StoreException or IOException or HttpRequestException)
            {
                Log.BacklogFailed(_logger, ex.Message);
            }

            manifest = await pipeline.CreateAsync(client, endpoint, lost.Token).ConfigureAwait(false);
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

        _lastResult = $"last backup {manifest.Id} at {time.GetUtcNow():u} OK";
        metrics?.Succeeded(manifest.DurationSeconds, manifest.Raw.Size, manifest.Stored.Size, manifest.Revision);
        metrics?.ServedBy(options.Node);
        Log.TickServed(_logger, fire, manifest.Id);
    }

    /// <summary>
    /// A scheduled restore drill of the newest backup. One agent per cluster runs it (the same lock as backups,
    /// under the cluster's drill key); a failure is counted, logged and sent to the webhook, never fatal.
    /// </summary>
    private async Task DrillTickAsync(DateTimeOffset fire, CancellationToken stop)
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
                var manifest = await Manifests.BackupCatalog.FindAsync(store, options.Cluster, "latest", stop).ConfigureAwait(false);
                var keyring = (keys ?? KeyringService.Load(options.Backup)).Keyring;
                var report = await new Drill.DrillRunner(options.Drill, options.Schedule.StateDir, options.Backup.MaxSnapshotSize, time, loggers, Environment.GetEnvironmentVariable)
                    .RunAsync(store, manifest, keyring, stop).ConfigureAwait(false);
                metrics?.DrillFinished(report);
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

            ReleaseMemory();
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // A drill that cannot even start (no backup yet, etcd down) is reported, never fatal.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            // What the drill job's steps did not claim (the lock did) is the drill's: no backup yet, a missing key.
            Log.DrillFailed(_logger, "latest", FailureStages.Of(ex.At(FailureStage.Drill)).Label(), ex.Message);
            metrics?.DrillFinished(new Drill.DrillReport { BackupId = "latest", Mode = "full", Result = "fail", FailedStage = "other", Error = ex.Message, Stages = [] });
        }
    }

    private async Task PruneAsync(CancellationToken stop)
    {
        try
        {
            var report = await new Pruner(store, options, time, loggers.CreateLogger("EtcdAgent.Retention")).PruneAsync(dryRun: false, stop).ConfigureAwait(false);
            var kept = report.Decisions.Count(d => d.Keep);
            Log.Pruned(_logger, report.Deleted.Count, kept);
            metrics?.Store(kept);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // Pruning fails quietly until next time; it never blocks backups.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.PruneFailed(_logger, ex.Message);
            metrics?.Failed(FailureStages.Of(ex));
        }
    }

    private async Task WaitUntilAsync(DateTimeOffset due, CancellationToken stop)
    {
        while (true)
        {
            Interlocked.Exchange(ref _heartbeat, time.GetTimestamp());
            var left = due - time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                return;
            }

            await Task.Delay(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1), time, stop).ConfigureAwait(false);
        }
    }

    private async Task WaitAsync(TimeSpan delay, CancellationToken stop) => await WaitUntilAsync(time.GetUtcNow() + delay, stop).ConfigureAwait(false);

    private async Task PingWatchdogAsync(TimeSpan interval, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(interval, time, stop).ConfigureAwait(false);

                // Only a live loop earns a ping: a heartbeat older than the interval means the loop is stuck.
                if (time.GetElapsedTime(Interlocked.Read(ref _heartbeat)) < interval)
                {
                    notifier.Watchdog();
                }
                else
                {
                    Log.WatchdogWithheld(_logger, time.GetElapsedTime(Interlocked.Read(ref _heartbeat)).TotalSeconds);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private TimeSpan Jitter() =>
        options.Schedule.Jitter > TimeSpan.Zero ? TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * options.Schedule.Jitter.TotalMilliseconds) : TimeSpan.Zero;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static partial class Log
    {
        [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Scheduler running: backups at \"{Cron}\" ({Zone}); next {Next}")]
        public static partial void Started(ILogger logger, string cron, string zone, DateTimeOffset? next);

        [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Tick {Fire} missed while down: running it now")]
        public static partial void CatchingUp(ILogger logger, DateTimeOffset fire);

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

        [LoggerMessage(EventId = 3020, Level = LogLevel.Information, Message = "Restore drill of {Id} passed ({Mode}, {Seconds:0.0} s)")]
        public static partial void DrillPassed(ILogger logger, string id, string mode, double seconds);

        [LoggerMessage(EventId = 3021, Level = LogLevel.Error, Message = "Restore drill of {Id} FAILED at {Stage}: {Reason}")]
        public static partial void DrillFailed(ILogger logger, string id, string stage, string reason);

        [LoggerMessage(EventId = 3007, Level = LogLevel.Information, Message = "Pruned {Deleted} backups; {Kept} kept")]
        public static partial void Pruned(ILogger logger, int deleted, int kept);

        [LoggerMessage(EventId = 3008, Level = LogLevel.Warning, Message = "Prune failed: {Reason}")]
        public static partial void PruneFailed(ILogger logger, string reason);

        [LoggerMessage(EventId = 3009, Level = LogLevel.Information, Message = "Stopping")]
        public static partial void Stopping(ILogger logger);

        [LoggerMessage(EventId = 3011, Level = LogLevel.Warning, Message = "Spooled snapshots could not be stored yet: {Reason}")]
        public static partial void BacklogFailed(ILogger logger, string reason);

        [LoggerMessage(EventId = 3012, Level = LogLevel.Information, Message = "Tick {Fire} will be retried at {RetryAt}")]
        public static partial void Retrying(ILogger logger, DateTimeOffset fire, DateTimeOffset retryAt);

        [LoggerMessage(EventId = 3013, Level = LogLevel.Warning, Message = "Cannot write the metrics textfile {Path}: {Reason}")]
        public static partial void TextfileFailed(ILogger logger, string path, string reason);

        [LoggerMessage(EventId = 3010, Level = LogLevel.Warning, Message = "Watchdog ping withheld: the scheduler loop has not beaten for {Seconds:0.0}s")]
        public static partial void WatchdogWithheld(ILogger logger, double seconds);
    }
}

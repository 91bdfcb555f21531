using System.Globalization;
using EtcdAgent.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;

namespace EtcdAgent.Scheduling.Jobs;

/// <summary>
/// The scheduled backup. A cron fire is delayed by the configured jitter (the fire time, which identifies the tick
/// for the cluster lock, is not); a catch-up or retry firing carries the tick it serves in its job data and runs at
/// once. A failed tick is retried after <see cref="TickRetry"/>'s backoff, never past the next tick.
/// </summary>
[DisallowConcurrentExecution]
internal sealed partial class BackupJob(BackupTick tick, TickRetry retry, DaemonState state, DaemonNotifier notifier,
    TimeProvider time, ILogger<BackupJob> logger, DaemonJob.Shared shared)
    : DaemonJob(shared)
{
    /// <summary>Job data: the tick (ISO 8601) a catch-up or retry firing serves.</summary>
    public const string TickKey = "tick";

    protected override string Name => "backup";

    protected override bool Jittered(IJobExecutionContext context) => !context.MergedJobDataMap.ContainsKey(TickKey);

    protected override async Task RunAsync(IJobExecutionContext context, Liveness.Running running, CancellationToken stop)
    {
        var data = context.MergedJobDataMap;
        var fire = data.ContainsKey(TickKey)
            ? DateTimeOffset.Parse(data.GetString(TickKey)!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind)
            : context.ScheduledFireTimeUtc ?? context.FireTimeUtc;
        var ok = await tick.RunAsync(fire, pruneAfter: Options.Schedule.Prune is null, running, notifier.LastResult, stop).ConfigureAwait(false);
        state.Record(fire);
        if (ok)
        {
            retry.Reset();
            return;
        }

        var retryAt = time.GetUtcNow() + retry.Next();
        var trigger = await context.Scheduler.GetTrigger(DaemonSchedule.BackupTrigger, stop).ConfigureAwait(false);
        if (trigger?.NextFireTimeUtc is { } next && next <= retryAt)
        {
            return; // the next tick comes first and serves as the retry
        }

        // A retry serves the failed tick itself: if another agent served it meanwhile, the lock says so.
        await context.Scheduler.ScheduleJob(DaemonSchedule.OneShot(DaemonSchedule.BackupJobKey, retryAt, fire), cancellationToken: stop).ConfigureAwait(false);
        Log.Retrying(logger, fire, retryAt);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3012, Level = LogLevel.Information, Message = "Tick {Fire} will be retried at {RetryAt}")]
        public static partial void Retrying(ILogger logger, DateTimeOffset fire, DateTimeOffset retryAt);
    }
}

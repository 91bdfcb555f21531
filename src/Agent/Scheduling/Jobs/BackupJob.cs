using System.Globalization;
using EtcdAgent.Configuration;
using EtcdAgent.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;

namespace EtcdAgent.Scheduling.Jobs;

/// <summary>
/// The scheduled backup. A cron fire is delayed by the configured jitter (the fire time, which identifies the tick
/// for the cluster lock, is not); a catch-up or retry firing carries the tick it serves in its job data and runs at
/// once. A failed tick is retried after <see cref="TickRetry"/>'s backoff, never past the next tick.
/// </summary>
[DisallowConcurrentExecution]
internal sealed partial class BackupJob(BackupTick tick, TickRetry retry, DaemonState state, AgentOptions options, DaemonNotifier notifier,
    TimeProvider time, ILogger<BackupJob> logger, JobGate gate, Liveness liveness, AfterJob after, IHostApplicationLifetime lifetime)
    : DaemonJob(gate, liveness, after, lifetime)
{
    /// <summary>Job data: the tick (ISO 8601) a catch-up or retry firing serves.</summary>
    public const string TickKey = "tick";

    protected override string Name => "backup";

    protected override async Task RunAsync(IJobExecutionContext context, Liveness.Running running, CancellationToken stop)
    {
        var data = context.MergedJobDataMap;
        var scheduled = !data.ContainsKey(TickKey);
        var fire = scheduled
            ? context.ScheduledFireTimeUtc ?? context.FireTimeUtc
            : DateTimeOffset.Parse(data.GetString(TickKey)!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
        if (scheduled)
        {
            await running.DelayAsync(Jitter.Next(options.Schedule.Jitter), stop).ConfigureAwait(false);
        }

        var ok = await tick.RunAsync(fire, pruneAfter: options.Schedule.Prune is null, running, notifier.LastResult, stop).ConfigureAwait(false);
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

using System.Globalization;
using EtcdAgent.Configuration;
using EtcdAgent.Scheduling.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace EtcdAgent.Scheduling;

/// <summary>
/// The daemon's Quartz schedule: one job per kind of work (backup, prune, drill, spool catch-up, and the heartbeat
/// the watchdog listens to), each registered by type in the container — no assembly scanning, so the trimmed
/// binary keeps exactly these — with cron triggers in the configured time zone. A cron fire Quartz could not run
/// on time (a job still running, a suspended machine) fires once as soon as it can ("fire and proceed"); a tick
/// missed while the daemon was down is found through <see cref="DaemonState"/> and run once at start.
/// </summary>
internal static class DaemonSchedule
{
    public static readonly JobKey BackupJobKey = new("backup", "etcd-agent");
    public static readonly TriggerKey BackupTrigger = new("backup", "etcd-agent");
    private static readonly JobKey PruneJobKey = new("prune", "etcd-agent");
    private static readonly JobKey DrillJobKey = new("drill", "etcd-agent");
    private static readonly JobKey SpoolJobKey = new("spool-catch-up", "etcd-agent");
    private static readonly JobKey HeartbeatJobKey = new("heartbeat", "etcd-agent");
    private static int _instances;

    /// <summary>What the schedule was built from, for the start-up log line and the metrics' tick interval.</summary>
    internal sealed record Plan(CronSchedule Backup, CronSchedule? Prune, CronSchedule? Drill, DateTimeOffset? MissedTick, bool SpoolPending, TimeSpan? Heartbeat);

    public static void Add(IServiceCollection services, Plan plan, TimeProvider time)
    {
        services.AddSingleton<JobGate>();
        services.AddSingleton<TickRetry>();
        services.AddSingleton<AfterJob>();
        services.AddSingleton<DaemonJob.Shared>();
        services.AddTransient<BackupJob>();
        services.AddTransient<PruneJob>();
        services.AddTransient<DrillJob>();
        services.AddTransient<SpoolCatchUpJob>();
        services.AddTransient<HeartbeatJob>();
        services.AddQuartz(q =>
        {
            // Unique per host: Quartz keeps schedulers in a process-wide repository by name (tests run several).
            q.UseTimeProvider(time);
            q.UseInMemoryStore();
            q.UseDefaultThreadPool(4);

            // SIGTERM: running jobs are asked to stop (their token is cancelled) and waited for.
            q.ConfigureScheduler(s =>
            {
                s.ShutdownJobInterruption = ShutdownJobInterruption.WhenWaitingForJobs;

                // Unique per host: Quartz keeps schedulers in a process-wide repository by name (tests run several).
                s.InstanceName = "etcd-agent-" + Interlocked.Increment(ref _instances).ToString(CultureInfo.InvariantCulture);
            });

            q.AddJob<BackupJob>(j => j.WithIdentity(BackupJobKey).StoreDurably());
            q.AddTrigger(t => t.ForJob(BackupJobKey).WithIdentity(BackupTrigger)
                .WithCronSchedule(plan.Backup.Quartz, c => c.InTimeZone(plan.Backup.Zone).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed)));
            if (plan.MissedTick is { } missed)
            {
                q.AddTrigger(t => t.ForJob(BackupJobKey).WithIdentity("catch-up", "etcd-agent").StartNow()
                    .UsingJobData(BackupJob.TickKey, missed.UtcDateTime.ToString("o", CultureInfo.InvariantCulture)));
            }

            if (plan.Prune is { } prune)
            {
                q.AddJob<PruneJob>(j => j.WithIdentity(PruneJobKey));
                q.AddTrigger(t => t.ForJob(PruneJobKey).WithIdentity("prune", "etcd-agent")
                    .WithCronSchedule(prune.Quartz, c => c.InTimeZone(prune.Zone).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed)));
            }

            if (plan.Drill is { } drill)
            {
                q.AddJob<DrillJob>(j => j.WithIdentity(DrillJobKey));
                q.AddTrigger(t => t.ForJob(DrillJobKey).WithIdentity("drill", "etcd-agent")
                    .WithCronSchedule(drill.Quartz, c => c.InTimeZone(drill.Zone).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed)));
            }

            if (plan.SpoolPending)
            {
                q.AddJob<SpoolCatchUpJob>(j => j.WithIdentity(SpoolJobKey));
                q.AddTrigger(t => t.ForJob(SpoolJobKey).WithIdentity("spool-catch-up", "etcd-agent").StartNow());
            }

            if (plan.Heartbeat is { } beat)
            {
                q.AddJob<HeartbeatJob>(j => j.WithIdentity(HeartbeatJobKey));
                q.AddTrigger(t => t.ForJob(HeartbeatJobKey).WithIdentity("heartbeat", "etcd-agent").StartNow()
                    .WithSimpleSchedule(s => s.WithInterval(beat).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)));
            }
        });
    }

    /// <summary>A one-off firing of <paramref name="job"/> at <paramref name="at"/>, serving the tick <paramref name="tick"/>.</summary>
    public static ITrigger OneShot(JobKey job, DateTimeOffset at, DateTimeOffset tick) =>
        TriggerBuilder.Create().ForJob(job).StartAt(at)
            .UsingJobData(BackupJob.TickKey, tick.UtcDateTime.ToString("o", CultureInfo.InvariantCulture))
            .Build();

    /// <summary>Reads the schedule from the options: cron texts were validated when the configuration loaded.</summary>
    public static Plan PlanFor(AgentOptions options, DateTimeOffset now, bool spoolPending, TimeSpan? watchdog)
    {
        ArgumentNullException.ThrowIfNull(options);
        var zone = options.Schedule.TimeZone;
        var backup = CronSchedule.Parse(options.Schedule.Backup, zone);
        var missed = new DaemonState(options.Schedule.StateDir, options.Cluster).LastFire is { } last ? backup.LastMissed(last, now) : null;
        var heartbeat = watchdog is { } w ? TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(1).Ticks, w.Ticks / 2)) : (TimeSpan?)null;
        return new Plan(
            backup,
            options.Schedule.Prune is { } p ? CronSchedule.Parse(p, zone) : null,
            options.Schedule.Drill is { } d ? CronSchedule.Parse(d, zone) : null,
            missed,
            spoolPending,
            heartbeat);
    }
}

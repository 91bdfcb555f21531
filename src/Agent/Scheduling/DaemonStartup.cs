using EtcdAgent.Configuration;
using EtcdAgent.Diagnostics;
using EtcdAgent.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EtcdAgent.Scheduling;

/// <summary>
/// The daemon's first and last words, around the scheduler (registered before it, so it starts first and stops
/// last): the spool review of what a crash left (before any job can run), the start-up line, the first STATUS and
/// the metrics' backup and drill intervals; and "Stopping".
/// </summary>
internal sealed partial class DaemonStartup(AgentOptions options, DaemonSchedule.Plan plan, DaemonNotifier notifier, DaemonMetrics metrics,
    TimeProvider time, ILoggerFactory loggers) : IHostedService
{
    private readonly ILogger _logger = loggers.CreateLogger("EtcdAgent.Daemon");

    public Task StartAsync(CancellationToken cancellationToken)
    {
        new SpoolReview(options.Backup.SpoolDir, loggers.CreateLogger("EtcdAgent.Spool")).Run();
        var next = plan.Backup.Next(time.GetUtcNow());
        if (next is { } n1 && plan.Backup.Next(n1) is { } n2)
        {
            metrics.Interval = n2 - n1;
        }

        if (plan.Drill is { } drill && drill.Next(time.GetUtcNow()) is { } d1 && drill.Next(d1) is { } d2)
        {
            metrics.DrillScheduled(d2 - d1);
        }

        notifier.NextBackup(next);
        Log.Started(_logger, plan.Backup.Quartz, options.Schedule.TimeZone.Id, next);
        if (plan.MissedTick is { } missed)
        {
            Log.CatchingUp(_logger, missed);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Log.Stopping(_logger);
        return Task.CompletedTask;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Scheduler running: backups at \"{Cron}\" ({Zone}); next {Next}")]
        public static partial void Started(ILogger logger, string cron, string zone, DateTimeOffset? next);

        [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Tick {Fire} missed while down: running it now")]
        public static partial void CatchingUp(ILogger logger, DateTimeOffset fire);

        [LoggerMessage(EventId = 3009, Level = LogLevel.Information, Message = "Stopping")]
        public static partial void Stopping(ILogger logger);
    }
}

using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EtcdAgent.Hosting;

/// <summary>
/// Pings the systemd watchdog at half of WATCHDOG_USEC, but only while <see cref="Liveness"/> says the scheduler
/// and every running job are alive: a withheld ping is logged, and systemd restarts a daemon that stays stuck.
/// </summary>
internal sealed partial class WatchdogService(DaemonNotifier notifier, Liveness liveness, TimeSpan interval, TimeProvider time, ILogger<WatchdogService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(interval, time, stoppingToken).ConfigureAwait(false);
                if (liveness.Stalled(interval) is { } reason)
                {
                    Log.WatchdogWithheld(logger, reason);
                }
                else
                {
                    notifier.Watchdog();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3010, Level = LogLevel.Warning, Message = "Watchdog ping withheld: {Reason}")]
        public static partial void WatchdogWithheld(ILogger logger, string reason);
    }
}

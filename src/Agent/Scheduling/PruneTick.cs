using EtcdAgent.Diagnostics;
using EtcdAgent.Retention;
using Microsoft.Extensions.Logging;

namespace EtcdAgent.Scheduling;

/// <summary>
/// The daemon's prune: on its own schedule, or after each backup this agent made when none is set. A failure is
/// logged and counted as the prune stage and never fails the backup it follows: pruning waits until next time.
/// </summary>
internal sealed partial class PruneTick(Pruner pruner, DaemonMetrics metrics, ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger("EtcdAgent.Daemon");

    public async Task RunAsync(CancellationToken stop)
    {
        try
        {
            var report = await pruner.PruneAsync(dryRun: false, stop).ConfigureAwait(false);
            var kept = report.Decisions.Count(d => d.Keep);
            Log.Pruned(_logger, report.Deleted.Count, kept);
            metrics.Store(kept);
            metrics.PruneHeld(report.Locked.Count, report.OldVersionBytes);
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
            metrics.Failed(FailureStages.Of(ex));
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3007, Level = LogLevel.Information, Message = "Pruned {Deleted} backups; {Kept} kept")]
        public static partial void Pruned(ILogger logger, int deleted, int kept);

        [LoggerMessage(EventId = 3008, Level = LogLevel.Warning, Message = "Prune failed: {Reason}")]
        public static partial void PruneFailed(ILogger logger, string reason);
    }
}

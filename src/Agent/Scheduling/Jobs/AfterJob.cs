using EtcdAgent.Configuration;
using EtcdAgent.Diagnostics;
using EtcdAgent.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;

namespace EtcdAgent.Scheduling.Jobs;

/// <summary>
/// The chores after every daemon job: the next backup time on systemd's STATUS line, the node_exporter textfile,
/// and the job's memory handed back to the OS (the daemon idles for hours between ticks).
/// </summary>
internal sealed partial class AfterJob(AgentOptions options, DaemonNotifier notifier, DaemonMetrics metrics, ILogger<AfterJob> logger)
{
    public async Task RunAsync(IScheduler scheduler, CancellationToken cancellationToken)
    {
        var trigger = await scheduler.GetTrigger(DaemonSchedule.BackupTrigger, cancellationToken).ConfigureAwait(false);
        notifier.NextBackup(trigger?.NextFireTimeUtc);
        WriteTextfile(options, metrics, logger);
        ReleaseMemory();
    }

    /// <summary>The node_exporter textfile, rewritten atomically (temp + rename) so the collector never reads half.</summary>
    public static void WriteTextfile(AgentOptions options, DaemonMetrics metrics, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(metrics);
        if (options.MetricsTextfile is not { } path)
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
            Log.TextfileFailed(logger, path, ex.Message);
        }
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

    private static partial class Log
    {
        [LoggerMessage(EventId = 3013, Level = LogLevel.Warning, Message = "Cannot write the metrics textfile {Path}: {Reason}")]
        public static partial void TextfileFailed(ILogger logger, string path, string reason);
    }
}

using EtcdAgent.Snapshots;
using Microsoft.Extensions.Logging;

namespace EtcdAgent.Scheduling;

/// <summary>
/// The daemon's look at the spool when it starts: a crash or a kill (OOM, power cut, SIGKILL after the stop timeout)
/// can leave files there that no later run would otherwise mention. Verified snapshots with their draft are adopted:
/// the next backup uploads them first, as the backups they were. Everything else unlocked is useless (never
/// verified, or half written) and deleted, each with a log line, so the spool does not fill up silently. Files a
/// running process holds (a manual `backup create`) are left alone.
/// </summary>
internal sealed partial class SpoolReview(string spoolDir, ILogger logger)
{
    public void Run()
    {
        IReadOnlyList<SpoolEntry> entries;
        DirectoryLock? quiet;
        try
        {
            // The node's backup lock (BackupPipeline): held, no backup can start while files are being deleted. When a
            // hand-run `backup create` holds it, the per-file flocks still tell its files from a crash's.
            quiet = Directory.Exists(spoolDir) ? DirectoryLock.TryTake(spoolDir) : null;
            entries = SpoolLeftovers.Scan(spoolDir);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not fatal: the first backup reports a spool it cannot use, with the reason.
            Log.Unreadable(logger, spoolDir, ex.Message);
            return;
        }

        using var held = quiet;
        foreach (var entry in entries)
        {
            switch (entry.Kind)
            {
                case SpoolEntryKind.Pending:
                    Log.Adopted(logger, entry.Path, entry.Reason);
                    break;
                case SpoolEntryKind.InUse:
                    Log.InUse(logger, entry.Path, entry.Reason);
                    break;
                default:
                    if (SpoolLeftovers.Delete(entry) is { } error)
                    {
                        Log.DeleteFailed(logger, entry.Path, entry.Reason, error);
                    }
                    else
                    {
                        Log.Deleted(logger, entry.Path, entry.Bytes, entry.Reason);
                    }

                    break;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3030, Level = LogLevel.Information, Message = "Spool: {Path} from an earlier run is a {Reason}; the next backup uploads it first")]
        public static partial void Adopted(ILogger logger, string path, string reason);

        [LoggerMessage(EventId = 3031, Level = LogLevel.Warning, Message = "Spool: deleted {Path} ({Bytes} bytes), {Reason}")]
        public static partial void Deleted(ILogger logger, string path, long bytes, string reason);

        [LoggerMessage(EventId = 3032, Level = LogLevel.Warning, Message = "Spool: cannot delete {Path} ({Reason}): {Error}; delete it by hand")]
        public static partial void DeleteFailed(ILogger logger, string path, string reason, string error);

        [LoggerMessage(EventId = 3033, Level = LogLevel.Information, Message = "Spool: {Path} is {Reason}; left alone")]
        public static partial void InUse(ILogger logger, string path, string reason);

        [LoggerMessage(EventId = 3034, Level = LogLevel.Warning, Message = "Spool: cannot look into {Path}: {Reason}")]
        public static partial void Unreadable(ILogger logger, string path, string reason);
    }
}

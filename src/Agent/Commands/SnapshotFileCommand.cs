using System.Globalization;
using EtcdAgent.Configuration;
using EtcdAgent.Failures;
using EtcdAgent.Output;
using EtcdAgent.Verification;

namespace EtcdAgent.Commands;

/// <summary>What `snapshot status` and `snapshot verify` share: reading a local file safely, printing a status.</summary>
internal static class SnapshotFileCommand
{
    /// <summary>
    /// Runs <paramref name="body"/>: a file that cannot be read becomes exit 7, data that fails its checks exit 6
    /// (nothing was written: outputs go through AtomicFile), a bad flag or key exit 2.
    /// </summary>
    public static async Task<int> RunAsync(CliContext context, string path, Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var reason = ex switch
            {
                FileNotFoundException or DirectoryNotFoundException => "no such file",
                UnauthorizedAccessException when Directory.Exists(path) => "it is a directory; give the snapshot file",
                UnauthorizedAccessException => "permission denied; run as a user that may read it (snapshots are 0600)",
                _ => ex.Message,
            };
            await context.Error.WriteLineAsync($"Error: cannot read {path}: {reason}").ConfigureAwait(false);
            return ExitCodes.CannotRead;
        }
        catch (InvalidDataException ex)
        {
            await context.Error.WriteLineAsync($"Error: {path}: {ex.Message}. Nothing was written.").ConfigureAwait(false);
            return ExitCodes.Corrupt;
        }
        catch (ConfigurationException ex)
        {
            await context.Error.WriteLineAsync($"Error: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Interrupted;
        }
    }

    public static SnapshotStatusJson ToJson(SnapshotStatus s) =>
        new(s.Hash, s.Revision, s.TotalKey, s.TotalSize, s.LiveKeys, s.StorageVersion, s.ConsistentIndex, s.Buckets);

    /// <summary>etcdctl 3.4's table: hash in hex, size human-readable.</summary>
    public static void WriteTable(TextWriter output, SnapshotStatus s) =>
        TableWriter.Write(output, ["HASH", "REVISION", "TOTAL KEYS", "TOTAL SIZE"],
        [
            [
                s.Hash.ToString("x", CultureInfo.InvariantCulture), s.Revision.ToString(CultureInfo.InvariantCulture),
                s.TotalKey.ToString(CultureInfo.InvariantCulture), ByteSize.Format(s.TotalSize),
            ],
        ]);
}

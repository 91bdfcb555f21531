using System.Globalization;
using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Configuration;
using EtcdAgent.Continuous;
using EtcdAgent.Failures;
using EtcdAgent.Manifests;
using EtcdAgent.Storage;

namespace EtcdAgent.Commands;

/// <summary>
/// <c>backup download ID|latest FILE --at-revision R</c>: the cluster as it was at revision R, as a plain verified
/// snapshot. "latest" means the newest backup whose chain's window holds R. The replay runs in a throwaway etcd
/// (drill.etcdBinary or etcd on PATH) in drill.workDir, or beside FILE when none is set.
/// </summary>
internal static class PointInTimeDownload
{
    public static async Task<int> RunAsync(CliContext context, AgentOptions options, IObjectStore store, Keyring keyring, string idOrLatest,
        long revision, string path, bool overwrite, CancellationToken cancellationToken)
    {
        var catalog = await BackupCatalog.LoadAsync(store, options.Cluster, cancellationToken).ConfigureAwait(false);
        var candidates = idOrLatest == "latest"
            ? catalog.Backups.Where(b => b.Revision <= revision).ToList()
            : [await BackupCatalog.FindAsync(store, options.Cluster, idOrLatest, cancellationToken).ConfigureAwait(false)];
        var windows = new List<string>();
        foreach (var candidate in candidates)
        {
            var (chain, damaged) = await SegmentCatalog.LoadAsync(store, options.Cluster, candidate, cancellationToken).ConfigureAwait(false);
            foreach (var (key, problem) in damaged)
            {
                context.Error.WriteLine($"warning: segment manifest {key} is damaged and not used: {problem}");
            }

            if (chain.SegmentsTo(revision) is null)
            {
                windows.Add($"{candidate.Id}: {chain.BaseRevision}..{chain.LastRevision}" +
                    (chain.Gaps.Count > 0 ? $" (hole at {chain.Gaps[0].From}..{chain.Gaps[0].To})" : string.Empty));
                continue;
            }

            var builder = new PointInTimeBuilder(store, keyring, options.Backup.MaxSnapshotSize, context.Time, context.Loggers)
            {
                EtcdBinary = options.Drill.EtcdBinary,
                RestoreBinary = options.Drill.RestoreBinary,
                WorkDir = options.Drill.WorkDir ?? Path.GetDirectoryName(path)!,
                Environment = context.Environment,
            };
            context.Out.WriteLine($"Building revision {revision.ToString(CultureInfo.InvariantCulture)} from backup {candidate.Id} " +
                $"and {chain.SegmentsTo(revision)!.Count.ToString(CultureInfo.InvariantCulture)} segments...");
            var report = await builder.BuildAsync(candidate, chain, revision, path, overwrite, cancellationToken).ConfigureAwait(false);
            context.Out.WriteLine($"Snapshot at revision {report.Status!.Revision.ToString(CultureInfo.InvariantCulture)} written to {path}");
            context.Out.WriteLine($"  {report.Status.LiveKeys?.ToString(CultureInfo.InvariantCulture) ?? "?"} live keys; every replayed revision matched the original's revision, create revisions and versions");
            context.Out.WriteLine("  verified: etcd's sha256 trailer, bbolt structure; lease TTLs are the replay's, not the original's");
            return ExitCodes.Success;
        }

        throw new ConfigurationException(windows.Count == 0
            ? $"no backup of cluster '{options.Cluster}' is at or before revision {revision.ToString(CultureInfo.InvariantCulture)}"
            : $"no chain reaches revision {revision.ToString(CultureInfo.InvariantCulture)}; restorable windows: {string.Join("; ", windows)}");
    }
}

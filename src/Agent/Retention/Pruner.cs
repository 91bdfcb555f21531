using EtcdAgent.Configuration;
using EtcdAgent.Diagnostics;
using EtcdAgent.Manifests;
using EtcdAgent.Storage;
using Microsoft.Extensions.Logging;

namespace EtcdAgent.Retention;

/// <summary>
/// Applies <see cref="RetentionPolicy"/> to a store: deletes each expired backup manifest first (so it stops being
/// visible before its payload goes), then its payload; never more than MaxDeleteFraction of the backups in one
/// run; skips objects still under Object Lock retention; removes orphans (payloads without a manifest) older than
/// the grace period and stale multipart uploads where the store can list them. Dry run: decides, deletes nothing.
/// What fails in a run is the prune stage (<see cref="FailureStage.Prune"/>).
/// </summary>
internal sealed partial class Pruner(IObjectStore store, AgentOptions options, TimeProvider time, ILogger logger)
{
    public Task<PruneReport> PruneAsync(bool dryRun, CancellationToken cancellationToken) =>
        FailureStages.RunAsync(FailureStage.Prune, () => PruneOnceAsync(dryRun, cancellationToken));

    private async Task<PruneReport> PruneOnceAsync(bool dryRun, CancellationToken cancellationToken)
    {
        var cluster = options.Cluster;
        var catalog = await BackupCatalog.LoadAsync(store, cluster, cancellationToken).ConfigureAwait(false);
        var decisions = RetentionPolicy.Apply(catalog.Backups.Select(b => new RetentionPolicy.Entry(b.Id, b.CreatedAt)), options.Retention);
        var byId = catalog.Backups.ToDictionary(b => b.Id, StringComparer.Ordinal);
        var expired = decisions.Where(d => !d.Keep).Select(d => byId[d.Backup.Id]).Reverse().ToList(); // oldest first
        var warnings = new List<string>();

        // A wrong clock or a policy typo must not wipe the store in one run.
        var allowed = (int)Math.Floor(catalog.Backups.Count * options.Retention.MaxDeleteFraction);
        var deferred = expired.Skip(allowed).Select(b => b.Id).ToList();
        if (deferred.Count > 0)
        {
            warnings.Add($"{expired.Count} backups are expired but at most {allowed} ({(options.Retention.MaxDeleteFraction * 100).ToString("0", System.Globalization.CultureInfo.InvariantCulture)}% of {catalog.Backups.Count}) are deleted per run; {deferred.Count} wait for the next run");
        }

        // Defence in depth behind ManifestCheck: a key that another kept backup names, or the newest sound backup,
        // is never deleted, whatever the policy or a manifest says.
        var expiredIds = expired.Select(b => b.Id).ToHashSet(StringComparer.Ordinal);
        var referenced = catalog.Backups.Where(b => !expiredIds.Contains(b.Id)).Select(b => b.Stored.Key).ToHashSet(StringComparer.Ordinal);
        var deleted = new List<string>();
        var locked = new List<string>();
        var lockUnknown = false;
        long oldVersionBytes = 0;
        var segments = 0;
        var deleteOldVersions = options.Store.S3?.DeleteOldVersions ?? S3Options.DefaultDeleteOldVersions;
        var now = time.GetUtcNow();
        foreach (var backup in expired.Take(allowed))
        {
            if (backup.Id == catalog.Backups[0].Id || referenced.Contains(backup.Stored.Key)
                || ManifestCheck.KeyProblem(backup.Stored.Key, cluster, backup.Id) is not null)
            {
                warnings.Add($"{backup.Id} is expired but kept: it is the newest backup or another backup names its object {backup.Stored.Key}");
                continue;
            }

            var until = await RetainUntilAsync(backup.Stored.Key, () => lockUnknown = true, cancellationToken).ConfigureAwait(false);
            if (until > now)
            {
                locked.Add($"{backup.Id} (Object Lock until {until:u})");
                continue;
            }

            if (!dryRun)
            {
                var manifestKey = BackupLayout.ManifestKey(cluster, backup.Id);
                await store.DeleteAsync(manifestKey, cancellationToken).ConfigureAwait(false);
                await store.DeleteAsync(backup.Stored.Key, cancellationToken).ConfigureAwait(false);

                // The bundle holds the cluster's CA keys: it goes with its backup, never left behind (its key was
                // confined to this backup's folder when the catalog read the manifest).
                if (backup.Bundle is { } bundle)
                {
                    await store.DeleteAsync(bundle.Key, cancellationToken).ConfigureAwait(false);
                    oldVersionBytes += await store.OldVersionBytesAsync(bundle.Key, deleteOldVersions, cancellationToken).ConfigureAwait(false);
                }

                segments += await DeleteChainAsync(backup.Id, cancellationToken).ConfigureAwait(false);
                Log.Deleted(logger, backup.Id);

                // A versioned bucket keeps what was deleted (every Secret of that snapshot included): never silently.
                oldVersionBytes += await store.OldVersionBytesAsync(manifestKey, deleteOldVersions, cancellationToken).ConfigureAwait(false)
                    + await store.OldVersionBytesAsync(backup.Stored.Key, deleteOldVersions, cancellationToken).ConfigureAwait(false);
            }

            deleted.Add(backup.Id);
        }

        if (locked.Count > 0)
        {
            warnings.Add($"{locked.Count} expired backup{(locked.Count == 1 ? " is" : "s are")} under Object Lock and kept until the retention ends, then pruned: {string.Join(", ", locked)}");
        }

        if (oldVersionBytes > 0)
        {
            warnings.Add(deleteOldVersions
                ? $"{ByteSizes.Format(oldVersionBytes)} of the deleted backups stay in the versioned bucket as versions the store would not delete (Object Lock or legal hold); they go when their retention ends"
                : $"{ByteSizes.Format(oldVersionBytes)} of the deleted backups stay in the versioned bucket as old versions (storage cost, and every Secret of those snapshots): set store.s3.oldVersions: delete, or add a lifecycle rule (NoncurrentVersionExpiration)");
        }

        if (lockUnknown)
        {
            warnings.Add("the store cannot report Object Lock retention; deletions were attempted and the store decides");
        }

        var orphans = new List<string>();
        foreach (var orphan in catalog.Orphans)
        {
            if (BackupLayout.IdOfKey(cluster, orphan.Key) is null)
            {
                warnings.Add($"{orphan.Key} is not part of any backup layout; left alone");
            }
            else if (now - orphan.LastModified > options.Retention.OrphanGrace)
            {
                if (!dryRun)
                {
                    await store.DeleteAsync(orphan.Key, cancellationToken).ConfigureAwait(false);
                }

                orphans.Add(orphan.Key);
            }
        }

        var pending = new List<string>();
        bool pendingSupported = true;
        try
        {
            foreach (var upload in await store.ListPendingUploadsAsync(BackupLayout.ClusterPrefix(cluster), cancellationToken).ConfigureAwait(false))
            {
                if (now - upload.Started > options.Retention.OrphanGrace)
                {
                    if (!dryRun)
                    {
                        await store.AbortPendingUploadAsync(upload, cancellationToken).ConfigureAwait(false);
                    }

                    pending.Add(upload.Key);
                }
            }
        }
        catch (StoreException ex) when (ex.Fault == StoreFault.NotSupported)
        {
            pendingSupported = false;
            warnings.Add($"stale multipart uploads cannot be listed here ({ex.Message}); add a bucket lifecycle rule (AbortIncompleteMultipartUpload) to clean them");
        }

        warnings.AddRange(catalog.Damaged.Select(d => $"damaged manifest {d.ManifestKey} ({d.Reason}); backup {d.Id} and its objects are kept, not counted and never restored: inspect or delete it by hand"));
        foreach (var warning in warnings)
        {
            Log.Warning(logger, warning);
        }

        return new PruneReport(dryRun, decisions, deleted, deferred, locked, orphans, pending, pendingSupported, warnings)
        {
            OldVersionBytes = oldVersionBytes,
            DeletedSegmentObjects = segments,
        };
    }

    /// <summary>
    /// The continuous chain of a backup just deleted: its segments are worthless without their base, and go with it
    /// (never before: only after the base's own objects), manifests first so no reader sees a manifest without payload.
    /// </summary>
    private async Task<int> DeleteChainAsync(string baseId, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        await foreach (var item in store.ListAsync(Continuous.SegmentLayout.ChainPrefix(options.Cluster, baseId), cancellationToken).ConfigureAwait(false))
        {
            keys.Add(item.Key);
        }

        foreach (var key in keys.OrderBy(k => k.EndsWith(".json", StringComparison.Ordinal) ? 0 : 1).ThenBy(k => k, StringComparer.Ordinal))
        {
            await store.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        }

        return keys.Count;
    }

    private async Task<DateTimeOffset?> RetainUntilAsync(string key, Action unsupported, CancellationToken cancellationToken)
    {
        try
        {
            return await store.GetRetainUntilAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (StoreException ex) when (ex.Fault == StoreFault.NotSupported)
        {
            unsupported();
            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2200, Level = LogLevel.Information, Message = "Pruned backup {Id}")]
        public static partial void Deleted(ILogger logger, string id);

        [LoggerMessage(EventId = 2201, Level = LogLevel.Warning, Message = "Prune: {Warning}")]
        public static partial void Warning(ILogger logger, string warning);
    }
}

/// <summary>What a prune run decided and did.</summary>
internal sealed record PruneReport(bool DryRun, IReadOnlyList<RetentionPolicy.Decision> Decisions, IReadOnlyList<string> Deleted,
    IReadOnlyList<string> Deferred, IReadOnlyList<string> Locked, IReadOnlyList<string> Orphans, IReadOnlyList<string> PendingUploads,
    bool PendingUploadsSupported, IReadOnlyList<string> Warnings)
{
    /// <summary>Bytes of this run's deleted backups still held as old versions in a versioned bucket.</summary>
    public long OldVersionBytes { get; init; }

    /// <summary>Objects of the deleted backups' continuous chains (segments and their manifests) deleted with them.</summary>
    public int DeletedSegmentObjects { get; init; }
}

using EtcdAgent.Storage;

namespace EtcdAgent.Manifests;

/// <summary>
/// The backups of one cluster in a store: every manifest (only manifests make a backup visible), newest first,
/// plus what lies beside them without a manifest (orphans: an upload in progress, or one that failed).
/// </summary>
internal sealed class BackupCatalog
{
    private BackupCatalog(IReadOnlyList<BackupManifest> backups, IReadOnlyList<StoredObject> orphans, IReadOnlyList<string> unreadable)
    {
        Backups = backups;
        Orphans = orphans;
        Unreadable = unreadable;
    }

    /// <summary>Backups with a readable manifest, newest first.</summary>
    public IReadOnlyList<BackupManifest> Backups { get; }

    /// <summary>Objects under the cluster's prefix in a folder that has no manifest.</summary>
    public IReadOnlyList<StoredObject> Orphans { get; }

    /// <summary>Manifests that exist but cannot be parsed (with the reason).</summary>
    public IReadOnlyList<string> Unreadable { get; }

    public static async Task<BackupCatalog> LoadAsync(IObjectStore store, string cluster, CancellationToken cancellationToken)
    {
        var objects = new List<StoredObject>();
        await foreach (var item in store.ListAsync(BackupLayout.ClusterPrefix(cluster), cancellationToken).ConfigureAwait(false))
        {
            objects.Add(item);
        }

        var manifestKeys = objects.Where(o => o.Key.EndsWith("/" + BackupLayout.ManifestName, StringComparison.Ordinal)).ToList();
        var withManifest = manifestKeys.Select(o => BackupLayout.IdOfKey(cluster, o.Key)).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var orphans = objects.Where(o => BackupLayout.IdOfKey(cluster, o.Key) is not { } id || !withManifest.Contains(id)).ToList();

        var backups = new List<BackupManifest>();
        var unreadable = new List<string>();
        using var gate = new SemaphoreSlim(8);
        var reads = manifestKeys.Select(async o =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return (o.Key, Manifest: await ReadAsync(store, o.Key, cancellationToken).ConfigureAwait(false), Error: (string?)null);
            }
            catch (InvalidDataException ex)
            {
                return (o.Key, Manifest: (BackupManifest?)null, Error: ex.Message);
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        foreach (var (key, manifest, error) in await Task.WhenAll(reads).ConfigureAwait(false))
        {
            if (manifest is not null)
            {
                backups.Add(manifest);
            }
            else
            {
                unreadable.Add($"{key}: {error}");
            }
        }

        backups.Sort((a, b) => b.CreatedAt != a.CreatedAt ? b.CreatedAt.CompareTo(a.CreatedAt) : string.CompareOrdinal(b.Id, a.Id));
        return new BackupCatalog(backups, orphans, unreadable);
    }

    /// <summary>Loads the catalog and resolves ID or "latest" in one step.</summary>
    public static async Task<BackupManifest> FindAsync(IObjectStore store, string cluster, string idOrLatest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var catalog = await LoadAsync(store, cluster, cancellationToken).ConfigureAwait(false);
        return catalog.Resolve(idOrLatest, store.Location, cluster);
    }

    /// <summary>The backup named by ID or "latest"; a clear error listing what exists otherwise.</summary>
    public BackupManifest Resolve(string idOrLatest, string storeLocation, string cluster)
    {
        if (Backups.Count == 0)
        {
            throw new StoreException(StoreFault.NotFound,
                $"no backups of cluster \"{cluster}\" in {storeLocation}{(Unreadable.Count > 0 ? $" ({Unreadable.Count} unreadable manifests)" : string.Empty)}; check store and cluster settings, or run `etcd-agent backup create`");
        }

        if (idOrLatest == "latest")
        {
            return Backups[0];
        }

        return Backups.FirstOrDefault(b => b.Id == idOrLatest)
               ?? throw new StoreException(StoreFault.NotFound,
                   $"no backup \"{idOrLatest}\" of cluster \"{cluster}\" in {storeLocation}; the newest is {Backups[0].Id} (see `etcd-agent backup list`)");
    }

    public static async Task<BackupManifest> ReadAsync(IObjectStore store, string key, CancellationToken cancellationToken)
    {
        var stream = await store.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            return BackupManifest.Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), key);
        }
    }
}

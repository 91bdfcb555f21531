using EtcdAgent.Storage;

namespace EtcdAgent.Manifests;

/// <summary>
/// The backups of one cluster in a store: every manifest (only manifests make a backup visible), newest first,
/// plus what lies beside them without a manifest (orphans: an upload in progress, or one that failed), and the
/// manifests that cannot be trusted (unreadable, or not confined to their own folder: <see cref="ManifestCheck"/>).
/// </summary>
internal sealed class BackupCatalog
{
    private BackupCatalog(IReadOnlyList<BackupManifest> backups, IReadOnlyList<StoredObject> orphans, IReadOnlyList<DamagedBackup> damaged,
        IReadOnlyList<StoredObject> objects)
    {
        Objects = objects;
        Backups = backups;
        Orphans = orphans;
        Damaged = damaged;
    }

    /// <summary>Backups with a sound manifest, newest first: the only ones that may be restored or pruned.</summary>
    public IReadOnlyList<BackupManifest> Backups { get; }

    /// <summary>
    /// Every object the listing found under the cluster's prefix (segments of continuous chains among them), so a
    /// reader that needs the names, as `backup list` does for the chains' windows, does not list the store again.
    /// </summary>
    public IReadOnlyList<StoredObject> Objects { get; }

    /// <summary>Objects under the cluster's prefix in a folder that has no manifest.</summary>
    public IReadOnlyList<StoredObject> Orphans { get; }

    /// <summary>Manifests that exist but cannot be parsed or trusted, newest first (by folder name); their objects are left alone.</summary>
    public IReadOnlyList<DamagedBackup> Damaged { get; }

    public static async Task<BackupCatalog> LoadAsync(IObjectStore store, string cluster, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var objects = new List<StoredObject>();
        await foreach (var item in store.ListAsync(BackupLayout.ClusterPrefix(cluster), cancellationToken).ConfigureAwait(false))
        {
            objects.Add(item);
        }

        var manifestKeys = objects.Where(o => o.Key.EndsWith("/" + BackupLayout.ManifestName, StringComparison.Ordinal)).ToList();
        var withManifest = manifestKeys.Select(o => BackupLayout.IdOfKey(cluster, o.Key)).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var orphans = objects.Where(o => BackupLayout.IdOfKey(cluster, o.Key) is not { } id || !withManifest.Contains(id)).ToList();

        var backups = new List<BackupManifest>();
        var damaged = new List<DamagedBackup>();
        using var gate = new SemaphoreSlim(8);
        var reads = manifestKeys.Select(async o =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var manifest = await ReadAsync(store, o.Key, cancellationToken).ConfigureAwait(false);
                return (o.Key, Manifest: manifest, Error: ManifestCheck.Problem(manifest, cluster, o.Key));
            }
            catch (InvalidDataException ex)
            {
                return (o.Key, Manifest: (BackupManifest?)null, Error: (string?)ex.Message);
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        foreach (var (key, manifest, error) in await Task.WhenAll(reads).ConfigureAwait(false))
        {
            if (error is null)
            {
                backups.Add(manifest!);
            }
            else
            {
                var folder = key[BackupLayout.ClusterPrefix(cluster).Length..^(BackupLayout.ManifestName.Length + 1)];
                damaged.Add(new DamagedBackup(ManifestCheck.Bounded(folder), key, error, manifest));
            }
        }

        backups.Sort((a, b) => b.CreatedAt != a.CreatedAt ? b.CreatedAt.CompareTo(a.CreatedAt) : string.CompareOrdinal(b.Id, a.Id));
        damaged.Sort((a, b) => string.CompareOrdinal(b.Id, a.Id));
        return new BackupCatalog(backups, orphans, damaged, objects);
    }

    /// <summary>Loads the catalog and resolves ID or "latest" in one step.</summary>
    public static async Task<BackupManifest> FindAsync(IObjectStore store, string cluster, string idOrLatest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var catalog = await LoadAsync(store, cluster, cancellationToken).ConfigureAwait(false);
        return catalog.Resolve(idOrLatest, store.Location, cluster);
    }

    /// <summary>
    /// The backup named by ID or "latest" (the newest sound one); a damaged one is refused as data that failed
    /// verification; a clear error listing what exists otherwise.
    /// </summary>
    public BackupManifest Resolve(string idOrLatest, string storeLocation, string cluster)
    {
        if (Damaged.FirstOrDefault(d => d.Id == idOrLatest) is { } damaged)
        {
            throw new InvalidDataException(
                $"backup {damaged.Id} is damaged and cannot be downloaded, verified, drilled or restored: its manifest {damaged.ManifestKey} " +
                $"cannot be trusted ({damaged.Reason}). Its objects were left as they are; pick another backup from `etcd-agent backup list`" +
                (Backups.Count > 0 ? $" (the newest sound one is {Backups[0].Id})." : "."));
        }

        if (Backups.Count == 0 && idOrLatest == "latest" && Damaged.Count > 0)
        {
            throw new InvalidDataException(
                $"every backup of cluster \"{cluster}\" in {storeLocation} is damaged (the newest, {Damaged[0].Id}: {Damaged[0].Reason}); " +
                "none can be restored: inspect them (etcd-agent backup list) and make a fresh one (etcd-agent backup create)");
        }

        if (Backups.Count == 0)
        {
            throw new StoreException(StoreFault.NotFound,
                $"no backups of cluster \"{cluster}\" in {storeLocation}{(Damaged.Count > 0 ? $" ({Damaged.Count} damaged manifests, see `etcd-agent backup list`)" : string.Empty)}; check store and cluster settings, or run `etcd-agent backup create`");
        }

        if (idOrLatest == "latest")
        {
            return Backups[0];
        }

        return Backups.FirstOrDefault(b => b.Id == idOrLatest)
               ?? throw new StoreException(StoreFault.NotFound,
                   $"no backup \"{ManifestCheck.Bounded(idOrLatest)}\" of cluster \"{cluster}\" in {storeLocation}; the newest is {Backups[0].Id} (see `etcd-agent backup list`)");
    }

    /// <summary>A manifest is a few KiB; one far larger is not ours and is not read into memory whole.</summary>
    public const int MaxManifestBytes = 1 << 20;

    public static async Task<BackupManifest> ReadAsync(IObjectStore store, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var stream = await store.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > MaxManifestBytes)
                {
                    throw new InvalidDataException($"{key} is larger than {MaxManifestBytes / 1024} KiB: not an etcd-agent manifest");
                }

                buffer.Write(chunk, 0, read);
            }

            return BackupManifest.Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), key);
        }
    }
}

/// <summary>A manifest that cannot be trusted: the folder it lies in, its key, why, and what it said if it parsed.</summary>
internal sealed record DamagedBackup(string Id, string ManifestKey, string Reason, BackupManifest? Claimed);

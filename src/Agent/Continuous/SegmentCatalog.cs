using EtcdAgent.Manifests;
using EtcdAgent.Storage;

namespace EtcdAgent.Continuous;

/// <summary>
/// The committed segments of one backup's chain, read from the store: every segment manifest under the base's
/// folder parsed and checked (<see cref="SegmentManifest.Parse"/>); one that cannot be trusted is listed as damaged
/// with its reason and is never part of the chain — a hole it leaves is then reported as a hole.
/// </summary>
internal static class SegmentCatalog
{
    /// <summary>A manifest larger than this is not one of ours (they are well under 2 KiB).</summary>
    private const int MaxManifestBytes = 64 * 1024;

    private const int ParallelReads = 8;

    /// <summary>The chain of <paramref name="baseBackup"/>.</summary>
    public static Task<(SegmentChain Chain, IReadOnlyList<(string Key, string Problem)> Damaged)> LoadAsync(IObjectStore store,
        string cluster, BackupManifest baseBackup, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(baseBackup);
        return LoadAsync(store, cluster, baseBackup.Id, baseBackup.Revision, baseBackup.CreatedAt, cancellationToken);
    }

    /// <summary>The chain of the backup <paramref name="baseId"/> at <paramref name="baseRevision"/>.</summary>
    public static async Task<(SegmentChain Chain, IReadOnlyList<(string Key, string Problem)> Damaged)> LoadAsync(IObjectStore store,
        string cluster, string baseId, long baseRevision, DateTimeOffset baseCreatedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var keys = new List<StoredObject>();
        await foreach (var item in store.ListAsync(SegmentLayout.ChainPrefix(cluster, baseId), cancellationToken).ConfigureAwait(false))
        {
            if (item.Key.EndsWith(".json", StringComparison.Ordinal))
            {
                keys.Add(item);
            }
        }

        // A restore reads every manifest of the chain (thousands a day): a few at once, as BackupCatalog does.
        using var gate = new SemaphoreSlim(ParallelReads);
        var reads = keys.Select(async item =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (item.Size > MaxManifestBytes)
                {
                    throw new InvalidDataException($"{item.Key} is {item.Size} bytes: not a segment manifest");
                }

                return (item.Key, Manifest: await ReadManifestAsync(store, cluster, item.Key, cancellationToken).ConfigureAwait(false), Problem: (string?)null);
            }
            catch (InvalidDataException ex)
            {
                return (item.Key, Manifest: (SegmentManifest?)null, Problem: ex.Message);
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        var results = await Task.WhenAll(reads).ConfigureAwait(false);
        var segments = results.Select(r => r.Manifest).OfType<SegmentManifest>();
        var damaged = results.Where(r => r.Problem is not null).Select(r => (r.Key, r.Problem!)).ToList();
        return (SegmentChain.Build(baseId, baseRevision, baseCreatedAt, segments), damaged);
    }

    /// <summary>Reads, parses and checks the segment manifest at <paramref name="key"/>; damage is an <see cref="InvalidDataException"/>.</summary>
    public static async Task<SegmentManifest> ReadManifestAsync(IObjectStore store, string cluster, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var stream = await store.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var copy = new MemoryStream();
            try
            {
                await new Codecs.LimitedReadStream(stream, MaxManifestBytes + 1).CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException ex)
            {
                throw new InvalidDataException($"{key} is larger than {MaxManifestBytes / 1024} KiB: not a segment manifest", ex);
            }

            return SegmentManifest.Parse(copy.ToArray(), cluster, key);
        }
    }
}

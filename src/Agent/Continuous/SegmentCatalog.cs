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
        var segments = new List<SegmentManifest>();
        var damaged = new List<(string, string)>();
        await foreach (var item in store.ListAsync(SegmentLayout.ChainPrefix(cluster, baseId), cancellationToken).ConfigureAwait(false))
        {
            if (!item.Key.EndsWith(".json", StringComparison.Ordinal))
            {
                continue;
            }

            try
            {
                if (item.Size > MaxManifestBytes)
                {
                    throw new InvalidDataException($"{item.Key} is {item.Size} bytes: not a segment manifest");
                }

                var stream = await store.OpenReadAsync(item.Key, cancellationToken).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    using var copy = new MemoryStream();
                    await new Codecs.LimitedReadStream(stream, MaxManifestBytes + 1).CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
                    segments.Add(SegmentManifest.Parse(copy.ToArray(), cluster, item.Key));
                }
            }
            catch (InvalidDataException ex)
            {
                damaged.Add((item.Key, ex.Message));
            }
        }

        return (SegmentChain.Build(baseId, baseRevision, baseCreatedAt, segments), damaged);
    }
}

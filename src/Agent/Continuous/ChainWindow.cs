using EtcdAgent.Manifests;
using EtcdAgent.Storage;

namespace EtcdAgent.Continuous;

/// <summary>
/// What `backup list` shows of a backup's chain: the restorable window — the base's revision and time up to the last
/// revision without a hole and when the agent received it — the holes, and the damaged segment manifests. Built from
/// the key names of one listing (<see cref="ChainOutline"/>) and the manifest of the window's last segment only, so
/// its cost does not grow with the chain's length (but for the listing itself).
/// </summary>
internal sealed record ChainWindow(ChainOutline Outline, DateTimeOffset From, DateTimeOffset? To, IReadOnlyList<(string Key, string Problem)> Damaged)
{
    /// <summary>A damaged last manifest steps the window back a segment; this many in a row and the end time stays unknown.</summary>
    private const int MaxManifestReads = 4;

    public long FromRevision => Outline.BaseRevision;

    public long ToRevision => Outline.LastRevision;

    /// <summary>
    /// The window of <paramref name="baseBackup"/>'s chain from <paramref name="keys"/> (a listing that includes the
    /// chain's folder; other keys are ignored).
    /// </summary>
    public static async Task<ChainWindow> ReadAsync(IObjectStore store, string cluster, BackupManifest baseBackup, IEnumerable<string> keys,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(baseBackup);
        var outline = ChainOutline.FromKeys(cluster, baseBackup.Id, baseBackup.Revision, keys);
        var damaged = new List<(string Key, string Problem)>(outline.Damaged);
        for (var reads = 0; outline.Path.Count > 0; reads++)
        {
            if (reads == MaxManifestReads)
            {
                return new ChainWindow(outline, baseBackup.CreatedAt, null, damaged);
            }

            var last = outline.Path[^1];
            try
            {
                var manifest = await SegmentCatalog.ReadManifestAsync(store, cluster, last.ManifestKey, cancellationToken).ConfigureAwait(false);
                return new ChainWindow(outline, baseBackup.CreatedAt, manifest.LastReceivedAt, damaged);
            }
            catch (InvalidDataException ex)
            {
                damaged.Add((last.ManifestKey, ex.Message));
                outline = outline.Without(last.ManifestKey);
            }
        }

        return new ChainWindow(outline, baseBackup.CreatedAt, baseBackup.CreatedAt, damaged);
    }
}

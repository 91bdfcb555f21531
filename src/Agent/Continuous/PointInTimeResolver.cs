using System.Globalization;
using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Configuration;
using EtcdAgent.Manifests;
using EtcdAgent.Storage;

namespace EtcdAgent.Continuous;

/// <summary>
/// Which backup's chain, and which revision of it, a point-in-time download, restore or drill builds: for an id that
/// backup's; for latest the newest backup whose chain's window holds the target. A time resolves to the last revision
/// received at or before it (<see cref="RevisionAtTime"/>). Outside every window it is a usage error listing the
/// windows there are. Chains that cannot hold the point by their key names and last manifest (<see cref="ChainWindow"/>)
/// are passed over without reading every manifest; the chain that is used is read and checked in full.
/// </summary>
internal static class PointInTimeResolver
{
    public static async Task<PointInTimeSource> ResolveAsync(IObjectStore store, string cluster, string idOrLatest, PointInTimeTarget target,
        Keyring keyring, Action<string> warn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(warn);
        var catalog = await BackupCatalog.LoadAsync(store, cluster, cancellationToken).ConfigureAwait(false);
        var candidates = idOrLatest == "latest"
            ? catalog.Backups.Where(b => target.Revision is { } r ? b.Revision <= r : b.CreatedAt <= target.Time).ToList()
            : [catalog.Resolve(idOrLatest, store.Location, cluster)];
        var keys = catalog.Objects.Select(o => o.Key).ToList();
        var windows = new List<string>();
        foreach (var candidate in candidates)
        {
            // The names and the last manifest first (one GET): a chain that cannot hold the point is not read in full.
            var outline = await ChainWindow.ReadAsync(store, cluster, candidate, keys, cancellationToken).ConfigureAwait(false);
            if (!MayHold(outline, target))
            {
                windows.Add(Window(candidate.Id, outline.FromRevision, outline.ToRevision, outline.Outline.Gaps, target, outline.From, outline.To));
                continue;
            }

            var (chain, damaged) = await SegmentCatalog.LoadAsync(store, cluster, candidate, cancellationToken).ConfigureAwait(false);
            foreach (var (key, problem) in damaged)
            {
                warn($"segment manifest {key} is damaged and not used: {problem}");
            }

            var found = target.Revision is { } revision
                ? chain.SegmentsTo(revision) is null ? null : ((long Revision, DateTimeOffset? ReceivedAt)?)(revision, ReceivedAt(chain, revision))
                : await RevisionAtTime.FindAsync(chain, target.Time!.Value,
                    (segment, ct) => SegmentReader.ReadAsync(store, segment, keyring, ct), cancellationToken).ConfigureAwait(false);
            if (found is { } point)
            {
                return new PointInTimeSource(candidate, chain, point.Revision, point.ReceivedAt, target.Time);
            }

            windows.Add(Window(candidate.Id, chain.BaseRevision, chain.LastRevision, chain.Gaps, target, chain.BaseCreatedAt, chain.LastReceivedAt));
        }

        throw new ConfigurationException(windows.Count == 0
            ? $"no backup of cluster '{cluster}' is at or before {target}; `etcd-agent backup list` shows the backups and their chains' windows"
            : $"no chain reaches {target}; restorable windows: {string.Join("; ", windows)}. Pick a point inside one (`etcd-agent backup list` shows them)");
    }

    /// <summary>
    /// Whether the chain's outline leaves room for the point. The outline never ends before what its manifests can
    /// replay (a name that does not parse or lacks its payload cannot be replayed either), so false is final.
    /// </summary>
    private static bool MayHold(ChainWindow window, PointInTimeTarget target) =>
        target.Revision is { } revision
            ? revision <= window.ToRevision
            : target.Time >= window.From && (window.To is not { } to || target.Time <= to);

    /// <summary>"ID: 100..250 (hole at 251..260)", and for a time target ", received FROM..TO".</summary>
    private static string Window(string id, long from, long to, IReadOnlyList<RevisionGap> gaps, PointInTimeTarget target, DateTimeOffset fromTime,
        DateTimeOffset? toTime) =>
        $"{id}: {from.ToString(CultureInfo.InvariantCulture)}..{to.ToString(CultureInfo.InvariantCulture)}" +
        (gaps.Count > 0 ? $" (hole at {gaps[0].From.ToString(CultureInfo.InvariantCulture)}..{gaps[0].To.ToString(CultureInfo.InvariantCulture)})" : string.Empty) +
        (target.Time is null ? string.Empty : $", received {PointInTimeTarget.FormatTime(fromTime)}..{(toTime is { } t ? PointInTimeTarget.FormatTime(t) : "?")}");

    /// <summary>
    /// When the agent received <paramref name="revision"/> where the manifests say it (the base, a segment's first or
    /// last revision); null inside a segment, where only its payload would tell.
    /// </summary>
    private static DateTimeOffset? ReceivedAt(SegmentChain chain, long revision) =>
        revision == chain.BaseRevision ? chain.BaseCreatedAt
        : chain.Path.FirstOrDefault(s => s.LastRevision == revision)?.LastReceivedAt
          ?? chain.Path.FirstOrDefault(s => s.FirstRevision == revision)?.FirstReceivedAt;
}

/// <summary>
/// A resolved point: the backup whose chain is replayed, that chain, the revision, when the agent received it (null
/// for a revision inside a segment asked for by number: the manifests do not say), and the time asked for, if one was.
/// </summary>
internal sealed record PointInTimeSource(BackupManifest Base, SegmentChain Chain, long Revision, DateTimeOffset? ReceivedAt, DateTimeOffset? AskedTime)
{
    public int SegmentCount => Chain.SegmentsTo(Revision)?.Count ?? 0;
}

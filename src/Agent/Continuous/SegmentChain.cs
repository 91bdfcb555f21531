namespace EtcdAgent.Continuous;

/// <summary>
/// What a chain of segments covers, from their manifests: the revisions from the base + 1 that follow each other
/// without a hole (the restorable window), and every hole. Overlapping segments (a brief second writer) are
/// tolerated here; that the same revision has the same content in both is checked when they are read.
/// A hole is never papered over: revisions after it cannot be restored from this chain, and it is reported.
/// </summary>
internal sealed record SegmentChain(string BaseId, long BaseRevision, DateTimeOffset BaseCreatedAt, IReadOnlyList<SegmentManifest> Path,
    IReadOnlyList<RevisionGap> Gaps, IReadOnlyList<SegmentManifest> Stranded)
{
    /// <summary>The last revision that can be restored: the base's, or the end of the segments without a hole.</summary>
    public long LastRevision => Path.Count == 0 ? BaseRevision : Path[^1].LastRevision;

    /// <summary>When the agent received <see cref="LastRevision"/> (the base's creation time without segments).</summary>
    public DateTimeOffset LastReceivedAt => Path.Count == 0 ? BaseCreatedAt : Path[^1].LastReceivedAt;

    /// <summary>Orders the segments and finds the path from the base and the holes.</summary>
    public static SegmentChain Build(string baseId, long baseRevision, DateTimeOffset baseCreatedAt, IEnumerable<SegmentManifest> segments)
    {
        var (path, gaps, stranded) = Walk(segments.Where(s => s.Base == baseId), s => s.FirstRevision, s => s.LastRevision, baseRevision);
        return new SegmentChain(baseId, baseRevision, baseCreatedAt, path, gaps, stranded);
    }

    /// <summary>
    /// The walk from <paramref name="baseRevision"/> + 1 over revision ranges (manifests here, key names in
    /// <see cref="ChainOutline"/>): the ranges that follow each other without a hole, every hole, and the ranges
    /// stranded behind the first hole. A range wholly inside what is covered (a second writer's duplicate) is skipped.
    /// </summary>
    public static (List<T> Path, List<RevisionGap> Gaps, List<T> Stranded) Walk<T>(IEnumerable<T> ranges, Func<T, long> first, Func<T, long> last,
        long baseRevision)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(last);
        var path = new List<T>();
        var stranded = new List<T>();
        var gaps = new List<RevisionGap>();
        var next = baseRevision + 1;
        foreach (var range in ranges.OrderBy(first).ThenByDescending(last))
        {
            if (last(range) < next)
            {
                continue; // wholly inside what is covered: a duplicate from a second writer
            }

            if (first(range) > next)
            {
                gaps.Add(new RevisionGap(next, first(range) - 1));
            }

            (gaps.Count == 0 ? path : stranded).Add(range);
            next = last(range) + 1;
        }

        return (path, gaps, stranded);
    }

    /// <summary>The segments to replay to reach <paramref name="revision"/>, or null when the chain cannot reach it.</summary>
    public IReadOnlyList<SegmentManifest>? SegmentsTo(long revision) =>
        revision < BaseRevision || revision > LastRevision
            ? null
            : Path.TakeWhile(s => s.FirstRevision <= revision).ToList();

    /// <summary>
    /// The last revision received at or before <paramref name="time"/>, by the receive times the manifests record
    /// (a segment's revisions between its first and last receive time count at its first: the earlier, safe side);
    /// null when even the base is newer.
    /// </summary>
    public long? RevisionAt(DateTimeOffset time)
    {
        if (time < BaseCreatedAt)
        {
            return null;
        }

        long revision = BaseRevision;
        foreach (var segment in Path)
        {
            if (segment.LastReceivedAt <= time)
            {
                revision = segment.LastRevision;
            }
            else
            {
                break;
            }
        }

        return revision;
    }
}

/// <summary>Revisions <paramref name="From"/>..<paramref name="To"/> that no segment holds.</summary>
internal sealed record RevisionGap(long From, long To);

using System.Globalization;
using EtcdAgent.Configuration;

namespace EtcdAgent.Continuous;

/// <summary>
/// A chain's window and holes as the object names alone tell them, for `backup list`: a busy cluster commits a
/// segment every 5 s (17,280 a day), so the listing reads no segment manifest but the last. The names
/// (&lt;first D19&gt;-&lt;last D19&gt;.json beside a payload &lt;first&gt;-&lt;last&gt;.seg[codec]) are untrusted:
/// a manifest name that does not parse as a range after the base is counted as damaged and never chained, and a
/// manifest without any payload beside it cannot be replayed, so it is damaged too. A restore still reads and checks
/// every manifest (<see cref="SegmentCatalog"/>); what the names claim only outlines what that will find.
/// </summary>
internal sealed record ChainOutline(long BaseRevision, IReadOnlyList<SegmentName> Path, IReadOnlyList<RevisionGap> Gaps,
    IReadOnlyList<SegmentName> Stranded, IReadOnlyList<(string Key, string Problem)> Damaged)
{
    private static readonly bool[] Encrypted = [false, true];

    /// <summary>The last revision the names say is restorable: the base's, or the end of the path without a hole.</summary>
    public long LastRevision => Path.Count == 0 ? BaseRevision : Path[^1].Last;

    /// <summary>Segments the names place in the chain, behind a hole or not.</summary>
    public int Segments => Path.Count + Stranded.Count;

    /// <summary>
    /// The outline of the chain of base <paramref name="baseId"/> (revision <paramref name="baseRevision"/>) of
    /// <paramref name="cluster"/> from the keys of a listing; keys outside that chain's folder are ignored.
    /// </summary>
    public static ChainOutline FromKeys(string cluster, string baseId, long baseRevision, IEnumerable<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var prefix = SegmentLayout.ChainPrefix(cluster, baseId);
        var manifests = new List<SegmentName>();
        var payloads = new HashSet<string>(StringComparer.Ordinal);
        var damaged = new List<(string, string)>();
        foreach (var key in keys)
        {
            if (!key.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var name = key[prefix.Length..];
            if (name.EndsWith(".json", StringComparison.Ordinal))
            {
                if (Parse(name[..^".json".Length], baseRevision) is { } range)
                {
                    manifests.Add(range with { ManifestKey = key });
                }
                else
                {
                    damaged.Add((key, $"its name is not <first>-<last>.json with 19-digit revisions after the base revision {baseRevision.ToString(CultureInfo.InvariantCulture)}"));
                }
            }
            else
            {
                payloads.Add(key);
            }
        }

        var committed = new List<SegmentName>();
        foreach (var segment in manifests)
        {
            // Any codec's payload will do here; the manifest names the one it was written with, checked on restore.
            if (PayloadKeys(cluster, baseId, segment).Any(payloads.Contains))
            {
                committed.Add(segment);
            }
            else
            {
                damaged.Add((segment.ManifestKey, "no payload beside it: the segment cannot be replayed"));
            }
        }

        var (path, gaps, stranded) = SegmentChain.Walk(committed, s => s.First, s => s.Last, baseRevision);
        return new ChainOutline(baseRevision, path, gaps, stranded, damaged);
    }

    /// <summary>This outline without the segment of <paramref name="manifestKey"/> (its manifest turned out damaged).</summary>
    public ChainOutline Without(string manifestKey)
    {
        var (path, gaps, stranded) = SegmentChain.Walk(Path.Concat(Stranded).Where(s => s.ManifestKey != manifestKey), s => s.First, s => s.Last, BaseRevision);
        return this with { Path = path, Gaps = gaps, Stranded = stranded };
    }

    /// <summary>The segment's range when <paramref name="stem"/> is exactly what <see cref="SegmentLayout.Name"/> writes for a range after the base.</summary>
    private static SegmentName? Parse(string stem, long baseRevision) =>
        SegmentLayout.TryParseName(stem, out var range) && range.First > baseRevision && range.Last >= range.First
            ? new SegmentName(range.First, range.Last, string.Empty)
            : null;

    /// <summary>Every key the segment's payload may have, one per codec combination.</summary>
    private static IEnumerable<string> PayloadKeys(string cluster, string baseId, SegmentName segment) =>
        Enum.GetValues<CompressionKind>().SelectMany(compression => Encrypted
            .Select(encrypted => SegmentLayout.PayloadKey(cluster, baseId, segment.First, segment.Last, compression, encrypted)));
}

/// <summary>A segment as its manifest's name tells it: revisions <paramref name="First"/>..<paramref name="Last"/>.</summary>
internal sealed record SegmentName(long First, long Last, string ManifestKey);

using System.Globalization;
using EtcdAgent.Codecs;
using EtcdAgent.Configuration;
using EtcdAgent.Manifests;

namespace EtcdAgent.Continuous;

/// <summary>
/// Where a chain's segments live: beside the full backup they extend, under
/// &lt;cluster&gt;/&lt;base id&gt;/segments/&lt;first&gt;-&lt;last&gt;.seg[.zst|.gz][.enc] with &lt;first&gt;-&lt;last&gt;.json beside it,
/// revisions zero-padded to 19 digits so a listing sorts by revision. Deleting the base's folder deletes its chain.
/// </summary>
internal static class SegmentLayout
{
    public const string Folder = "segments";

    public static string ChainPrefix(string cluster, string baseId) => $"{cluster}/{baseId}/{Folder}/";

    public static string Name(long first, long last) =>
        $"{first.ToString("D19", CultureInfo.InvariantCulture)}-{last.ToString("D19", CultureInfo.InvariantCulture)}";

    /// <summary>Reads a name <see cref="Name"/> made (exactly: 19 digits, a dash, 19 digits); false for anything else.</summary>
    public static bool TryParseName(string name, out (long First, long Last) revisions)
    {
        revisions = default;
        return name is { Length: 39 } && name[19] == '-'
            && name.AsSpan(0, 19).ContainsAnyExceptInRange('0', '9') is false && name.AsSpan(20).ContainsAnyExceptInRange('0', '9') is false
            && long.TryParse(name.AsSpan(0, 19), NumberStyles.None, CultureInfo.InvariantCulture, out revisions.First)
            && long.TryParse(name.AsSpan(20), NumberStyles.None, CultureInfo.InvariantCulture, out revisions.Last);
    }

    public static string ManifestKey(string cluster, string baseId, long first, long last) =>
        $"{ChainPrefix(cluster, baseId)}{Name(first, last)}.json";

    public static string PayloadKey(string cluster, string baseId, long first, long last, CompressionKind compression, bool encrypted) =>
        $"{ChainPrefix(cluster, baseId)}{Name(first, last)}.seg{Compression.Extension(compression)}{(encrypted ? ".enc" : string.Empty)}";

    /// <summary>
    /// <paramref name="candidate"/> when it is one of the payload keys this segment may have (any codec), else the
    /// plain one: a manifest's payload key must equal what this returns for it.
    /// </summary>
    public static string PayloadKey(string cluster, string baseId, long first, long last, string candidate)
    {
        foreach (var compression in Enum.GetValues<CompressionKind>())
        {
            foreach (var encrypted in new[] { false, true })
            {
                var key = PayloadKey(cluster, baseId, first, last, compression, encrypted);
                if (key == candidate)
                {
                    return key;
                }
            }
        }

        return PayloadKey(cluster, baseId, first, last, CompressionKind.None, encrypted: false);
    }

    /// <summary>Whether <paramref name="key"/> is a segment manifest's name (of any chain of the cluster).</summary>
    public static bool IsManifestKey(string cluster, string key) =>
        BackupLayout.IdOfKey(cluster, key) is { } id && key.StartsWith(ChainPrefix(cluster, id), StringComparison.Ordinal)
        && key.EndsWith(".json", StringComparison.Ordinal);
}

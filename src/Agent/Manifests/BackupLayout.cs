using System.Globalization;
using System.Text.RegularExpressions;
using EtcdAgent.Codecs;
using EtcdAgent.Configuration;

namespace EtcdAgent.Manifests;

/// <summary>
/// Where a backup's objects live: &lt;cluster&gt;/&lt;id&gt;/snapshot.db[.zst|.gz][.enc] and manifest.json beside it,
/// with id = &lt;UTC yyyyMMddTHHmmssZ&gt;-&lt;node&gt;-r&lt;revision&gt; so that a plain listing sorts by time.
/// </summary>
internal static partial class BackupLayout
{
    public const string ManifestName = "manifest.json";
    private const string TimeFormat = "yyyyMMdd'T'HHmmss'Z'";

    public static string NewId(DateTimeOffset created, string node, long revision) =>
        $"{created.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture)}-{node}-r{revision.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The creation time encoded in an id, or null when it is not one of ours.</summary>
    public static DateTimeOffset? TimeOf(string id) =>
        id.Length >= 16 && DateTime.TryParseExact(id[..16], TimeFormat, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time)
            ? new DateTimeOffset(time, TimeSpan.Zero)
            : null;

    public static bool IsValidId(string id) => IdPattern().IsMatch(id);

    /// <summary>The revision an id names (its "-r&lt;revision&gt;" suffix), or null when it is not one of ours.</summary>
    public static long? RevisionOf(string id) =>
        IsValidId(id) && long.TryParse(id[(id.LastIndexOf("-r", StringComparison.Ordinal) + 2)..], NumberStyles.None, CultureInfo.InvariantCulture, out var revision)
            ? revision
            : null;

    public static string ClusterPrefix(string cluster) => cluster + "/";

    public static string ManifestKey(string cluster, string id) => $"{cluster}/{id}/{ManifestName}";

    public static string PayloadKey(string cluster, string id, CompressionKind compression, bool encrypted) =>
        $"{cluster}/{id}/snapshot.db{Compression.Extension(compression)}{(encrypted ? ".enc" : string.Empty)}";

    /// <summary>The recovery bundle beside the snapshot (always encrypted).</summary>
    public static string BundleKey(string cluster, string id, CompressionKind compression) =>
        $"{cluster}/{id}/bundle.tar{Compression.Extension(compression)}.enc";

    /// <summary>The backup id a key belongs to (the folder under the cluster), or null.</summary>
    public static string? IdOfKey(string cluster, string key)
    {
        var prefix = ClusterPrefix(cluster);
        if (!key.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = key[prefix.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && IsValidId(rest[..slash]) ? rest[..slash] : null;
    }

    [GeneratedRegex(@"^\d{8}T\d{6}Z-[a-z0-9][a-z0-9._-]{0,62}-r\d+$")]
    private static partial Regex IdPattern();
}

using System.Text.Json;
using System.Text.Json.Serialization;
using EtcdAgent.Manifests;

namespace EtcdAgent.Continuous;

/// <summary>
/// A segment's commit marker, written after its payload (as manifest.json is for a backup): which chain it extends
/// (the full backup it starts from), the revisions and receive times it covers, and the hashes of its plain and
/// stored bytes. A segment without one does not exist. Read back it is hostile data: <see cref="Parse"/> checks it
/// and confines its payload key to its own chain's folder.
/// </summary>
internal sealed record SegmentManifest
{
    public const int CurrentFormatVersion = 1;

    public required int FormatVersion { get; init; }

    /// <summary>The cluster name (config `cluster`).</summary>
    public required string Cluster { get; init; }

    /// <summary>The id of the full backup the chain starts from; its revision is the chain's base.</summary>
    public required string Base { get; init; }

    public required long BaseRevision { get; init; }

    public required long FirstRevision { get; init; }

    public required long LastRevision { get; init; }

    /// <summary>When the agent received the first and the last of these revisions (its clock, not etcd's).</summary>
    public required DateTimeOffset FirstReceivedAt { get; init; }

    public required DateTimeOffset LastReceivedAt { get; init; }

    public required ContentInfo Raw { get; init; }

    public required StoredInfo Stored { get; init; }

    public required CodecInfo Codecs { get; init; }

    /// <summary>
    /// The name (&lt;first&gt;-&lt;last&gt;) of the segment this one continues, whose last revision is this one's first - 1;
    /// null for the first segment after the base. A link a reader can check, besides the revision numbers.
    /// </summary>
    public string? Previous { get; init; }

    /// <summary>The node whose agent wrote the segment.</summary>
    public required string Node { get; init; }

    public required string AgentVersion { get; init; }

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, SegmentJsonContext.Default.SegmentManifest);

    /// <summary>Parses and checks a segment manifest read from <paramref name="key"/> of cluster <paramref name="cluster"/>.</summary>
    public static SegmentManifest Parse(ReadOnlySpan<byte> json, string cluster, string key)
    {
        SegmentManifest? manifest;
        try
        {
            using var document = JsonDocument.Parse(json.ToArray());
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("formatVersion", out var version) || version.ValueKind != JsonValueKind.Number
                || !version.TryGetInt32(out var format) || format < 1)
            {
                throw new InvalidDataException($"{key} is not a segment manifest (no whole-number formatVersion)");
            }

            if (format > CurrentFormatVersion)
            {
                throw new InvalidDataException($"{key} has segment format {format}, newer than this etcd-agent understands ({CurrentFormatVersion}); upgrade etcd-agent");
            }

            manifest = JsonSerializer.Deserialize(json, SegmentJsonContext.Default.SegmentManifest);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{key} is not a valid segment manifest: {ex.Message}", ex);
        }

        if (manifest is null)
        {
            throw new InvalidDataException($"{key} is empty");
        }

        var problem = manifest.Problem(cluster, key);
        return problem is null ? manifest : throw new InvalidDataException($"{key}: {problem}");
    }

    private string? Problem(string cluster, string key)
    {
        if (Cluster != cluster)
        {
            return $"it belongs to cluster '{Cluster}', not '{cluster}'";
        }

        if (!BackupLayout.IsValidId(Base) || BackupLayout.RevisionOf(Base) != BaseRevision)
        {
            return $"base '{Base}' is not a backup id of revision {BaseRevision}";
        }

        if (FirstRevision <= BaseRevision || LastRevision < FirstRevision)
        {
            return $"revisions {FirstRevision}..{LastRevision} are not a range after the base revision {BaseRevision}";
        }

        if (Previous is null ? FirstRevision != BaseRevision + 1 : !SegmentLayout.TryParseName(Previous, out var before)
            || before.Last != FirstRevision - 1 || before.First <= BaseRevision || before.First > before.Last)
        {
            return Previous is null
                ? $"it starts at revision {FirstRevision} but names no previous segment (only the first after the base {BaseRevision} may)"
                : $"its previous segment '{Bounded(Previous)}' does not end at revision {FirstRevision - 1}";
        }

        if (LastReceivedAt < FirstReceivedAt)
        {
            return "its last revision was received before its first";
        }

        if (key != SegmentLayout.ManifestKey(cluster, Base, FirstRevision, LastRevision))
        {
            return $"it is stored under a name that does not match its content ({SegmentLayout.ManifestKey(cluster, Base, FirstRevision, LastRevision)})";
        }

        // The payload must be this segment's own object: a manifest edited to name another key (another chain's
        // segment, a full backup, a path with ..) is refused, never read or deleted through it.
        if (Stored.Key != SegmentLayout.PayloadKey(cluster, Base, FirstRevision, LastRevision, Stored.Key))
        {
            return $"its payload key '{Stored.Key}' is not this segment's";
        }

        return Raw.Size < 0 || Stored.Size < 0 || !IsSha256(Raw.Sha256) || !IsSha256(Stored.Sha256)
            ? "its sizes or sha256 values are malformed"
            : null;
    }

    private static string Bounded(string value) => value.Length <= 64 ? value : value[..64] + "...";

    private static bool IsSha256(string value) => value.Length == 64 && value.All(char.IsAsciiHexDigitLower);
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never, RespectRequiredConstructorParameters = true,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(SegmentManifest))]
internal sealed partial class SegmentJsonContext : JsonSerializerContext;

using System.Text.Json;
using System.Text.Json.Serialization;

namespace EtcdAgent.Manifests;

/// <summary>
/// manifest.json: the commit marker of one backup, written last (docs/architecture.md invariant 1). Everything a
/// restore or an audit needs without opening the payload: where it came from, what it holds, how it is encoded, and
/// the hashes to prove it unchanged. Versioned; readers refuse versions they do not know. Never holds a key.
/// </summary>
internal sealed record BackupManifest
{
    /// <summary>The format this code writes.</summary>
    public const int CurrentFormatVersion = 1;

    public required int FormatVersion { get; init; }

    /// <summary>The backup's id: &lt;UTC yyyyMMddTHHmmssZ&gt;-&lt;node&gt;-r&lt;revision&gt;.</summary>
    public required string Id { get; init; }

    public required ClusterInfo Cluster { get; init; }

    public required SourceInfo Source { get; init; }

    public required IReadOnlyList<MemberInfo> Members { get; init; }

    public required string EtcdVersion { get; init; }

    public required long Revision { get; init; }

    public required ulong RaftIndex { get; init; }

    public required ulong RaftTerm { get; init; }

    /// <summary>What `etcdctl snapshot status` reports for the raw snapshot, plus live keys.</summary>
    public required StatusInfo Status { get; init; }

    /// <summary>The plain snapshot (bbolt file + etcd's sha256 trailer), as etcdctl would have written it.</summary>
    public required ContentInfo Raw { get; init; }

    /// <summary>The object in the store.</summary>
    public required StoredInfo Stored { get; init; }

    public required CodecInfo Codecs { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required double DurationSeconds { get; init; }

    public required string AgentVersion { get; init; }

    public required string Node { get; init; }

    /// <summary>The control-plane recovery bundle stored beside the snapshot; null when the backup has none.</summary>
    public BundleInfo? Bundle { get; init; }

    public static BackupManifest Parse(ReadOnlySpan<byte> json, string where)
    {
        BackupManifest? manifest;
        try
        {
            using var document = JsonDocument.Parse(json.ToArray());
            // TryGetProperty throws InvalidOperationException on a string, number or array (found by afl-fuzz).
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("formatVersion", out var version) || version.ValueKind != JsonValueKind.Number)
            {
                throw new InvalidDataException($"{where} is not an etcd-agent manifest (not a JSON object with a numeric formatVersion)");
            }

            // GetInt32 throws FormatException for 1.5 or 1e10: a damaged manifest must be "unreadable", not a crash.
            if (!version.TryGetInt32(out var format) || format < 1)
            {
                throw new InvalidDataException($"{where} has formatVersion {version.GetRawText()}, not a manifest format (a whole number from 1)");
            }

            if (format > CurrentFormatVersion)
            {
                throw new InvalidDataException($"{where} has manifest format {format}, newer than this etcd-agent understands ({CurrentFormatVersion}); upgrade etcd-agent");
            }

            manifest = JsonSerializer.Deserialize(json, ManifestJsonContext.Default.BackupManifest);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{where} is not a valid manifest: {ex.Message}", ex);
        }

        return manifest is null
            ? throw new InvalidDataException($"{where} is empty")
            : manifest.NullInside() is { } path
                ? throw new InvalidDataException($"{where} is not a valid manifest: {path} is null")
                : manifest;
    }

    /// <summary>
    /// The first null where the types say there is none. RespectNullableAnnotations rejects null properties and
    /// constructor parameters, but not null items of a list ("members": [null]), which restore and list read.
    /// </summary>
    private string? NullInside()
    {
        for (var i = 0; i < Members.Count; i++)
        {
            var member = Members[i];
            if (member is null)
            {
                return $"members[{i}]";
            }

            if (member.PeerUrls.Any(u => u is null) || member.ClientUrls.Any(u => u is null))
            {
                return $"a URL of members[{i}]";
            }
        }

        if (Bundle is { } bundle)
        {
            if (bundle.Files.Any(f => f is null))
            {
                return "an item of bundle.files";
            }

            if (bundle.Missing.Any(m => m is null) || bundle.Skipped.Any(m => m is null))
            {
                return "an item of bundle.missing or bundle.skipped";
            }
        }

        return null;
    }

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, ManifestJsonContext.Default.BackupManifest);
}

internal sealed record ClusterInfo(string Name, string Id);

internal sealed record SourceInfo(string MemberId, string MemberName, string Endpoint);

internal sealed record MemberInfo(string Id, string Name, IReadOnlyList<string> PeerUrls, IReadOnlyList<string> ClientUrls, bool IsLearner);

internal sealed record StatusInfo(uint Hash, long Revision, long TotalKey, long TotalSize, long? LiveKeys);

internal sealed record ContentInfo(string Sha256, long Size);

internal sealed record StoredInfo(string Key, string Sha256, long Size);

/// <summary>How the payload is encoded; the key id names the key (never the key itself).</summary>
internal sealed record CodecInfo(string Compression, int Level, string? Encryption, string? KeyId);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never, RespectRequiredConstructorParameters = true,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(BackupManifest))]
internal sealed partial class ManifestJsonContext : JsonSerializerContext;

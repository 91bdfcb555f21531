using System.Text.Json;
using System.Text.Json.Serialization;

namespace EtcdAgent.Output;

/// <summary>One endpoint's status for -w json (member ids in hex, as etcd prints them in logs).</summary>
internal sealed record EndpointStatusJson(
    string Endpoint, string? MemberId, string? ClusterId, string? Version, long DbSize, long DbSizeInUse,
    string? Leader, bool IsLeader, bool IsLearner, ulong RaftTerm, ulong RaftIndex, ulong RaftAppliedIndex,
    long Revision, IReadOnlyList<string> Errors, string? StorageVersion, string? Error);

/// <summary>One endpoint's health for -w json.</summary>
internal sealed record EndpointHealthJson(string Endpoint, bool Health, double TookMs, string? Error);

/// <summary>One member for -w json.</summary>
internal sealed record MemberJson(string Id, string Status, string Name, IReadOnlyList<string> PeerUrls,
    IReadOnlyList<string> ClientUrls, bool IsLearner);

/// <summary>The member list for -w json.</summary>
internal sealed record MemberListJson(string ClusterId, string MemberId, long Revision, IReadOnlyList<MemberJson> Members);

/// <summary>A saved snapshot for -w json. Size includes the 32-byte trailer; sha256 is of the data and equals it.</summary>
internal sealed record SnapshotSaveJson(string Path, string Endpoint, string MemberId, string ClusterId, long Revision,
    ulong RaftIndex, string EtcdVersion, long Size, string Sha256, double DurationMs);

/// <summary>
/// `snapshot status -w json`: etcdctl's four fields first (same names and values), then what etcdctl lacks.
/// </summary>
internal sealed record SnapshotStatusJson(uint Hash, long Revision, long TotalKey, long TotalSize, long? LiveKeys,
    string? StorageVersion, ulong? ConsistentIndex, IReadOnlyDictionary<string, long> Buckets);

/// <summary>`snapshot verify -w json`.</summary>
internal sealed record SnapshotVerifyJson(string Path, bool Valid, string? Fault, string Trailer, string? Sha256,
    SnapshotStatusJson? Status, long PagesInUse, long FreePages, bool FreelistPersisted, string? Warning);

/// <summary>
/// `backup list -w json`: sound backups first (newest first, status "ok"), then damaged ones (status "damaged", the
/// problem named, nothing else taken from their untrusted manifest), so `.[0]` is always the newest restorable one.
/// A sound backup has its chain of continuous segments too (<see cref="ChainJson"/>), added after the other fields.
/// </summary>
internal sealed record BackupListItemJson(string Id, string Status, string? Problem, DateTimeOffset? CreatedAt, string? Node, long? Revision,
    long? LiveKeys, long? RawSize, long? StoredSize, string? Compression, string? Encryption, string? KeyId, string Key, ChainJson? Chain = null, BundleJson? Bundle = null);

/// <summary>A backup's recovery bundle in `backup list -w json` (absent: none): whose files, how many, which were missing.</summary>
internal sealed record BundleJson(string Node, int Files, IReadOnlyList<string> Missing, long StoredSize);

/// <summary>
/// A backup's chain in `backup list -w json`: how many segments it has (0: none, the backup alone), the restorable
/// window (revisions, and times from the backup's creation to when the agent received the window's last revision;
/// `to` is absent when the last segments' manifests are damaged), the holes, the segments stranded behind the first
/// hole, and the damaged segment manifests.
/// </summary>
internal sealed record ChainJson(int Segments, long FromRevision, long ToRevision, DateTimeOffset From, DateTimeOffset? To,
    IReadOnlyList<RevisionRangeJson> Gaps, int StrandedSegments, int DamagedSegments);

/// <summary>Revisions <c>from</c>..<c>to</c>, both included.</summary>
internal sealed record RevisionRangeJson(long From, long To);

internal sealed record PruneJson(bool DryRun, IReadOnlyList<string> Kept, IReadOnlyList<string> Deleted, IReadOnlyList<string> Deferred,
    IReadOnlyList<string> Locked, IReadOnlyList<string> Orphans, IReadOnlyList<string> PendingUploads, IReadOnlyList<string> Warnings,
    long OldVersionBytes)
{
    /// <summary>Segments and segment manifests of the deleted backups' continuous chains, deleted with them.</summary>
    public int DeletedSegmentObjects { get; init; }
}

internal sealed record VersionJson(string Version, string Runtime, string Os, string Architecture, string Commit, string BuildDate);

/// <summary>Source-generated serialization: reflection-free, so a trimmed single-file binary still works.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(List<EndpointStatusJson>))]
[JsonSerializable(typeof(List<EndpointHealthJson>))]
[JsonSerializable(typeof(MemberListJson))]
[JsonSerializable(typeof(VersionJson))]
[JsonSerializable(typeof(List<BackupListItemJson>))]
[JsonSerializable(typeof(PruneJson))]
[JsonSerializable(typeof(SnapshotSaveJson))]
[JsonSerializable(typeof(SnapshotStatusJson))]
[JsonSerializable(typeof(SnapshotVerifyJson))]
internal sealed partial class AgentJsonContext : JsonSerializerContext
{
    public static void Write<T>(TextWriter output, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        output.WriteLine(JsonSerializer.Serialize(value, type));
}

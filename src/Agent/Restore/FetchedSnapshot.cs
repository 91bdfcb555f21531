using EtcdAgent.Manifests;

namespace EtcdAgent.Restore;

/// <summary>A snapshot on local disk, verified (trailer + structure), with what the restore will check against.</summary>
internal sealed record FetchedSnapshot(
    string Path,
    string Sha256,
    long Size,
    long Revision,
    long? LiveKeys,
    string? EtcdVersion,
    string? BackupId,
    DateTimeOffset? CreatedAt,
    IReadOnlyList<MemberInfo>? Members,
    bool InWorkDir);

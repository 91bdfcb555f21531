using EtcdAgent.Manifests;

namespace EtcdAgent.Restore;

/// <summary>
/// A snapshot on local disk, verified (trailer + structure), with what the restore will check against.
/// <c>PointInTime</c> says which point of a backup's chain it was built for (restore --at-revision/--at-time), for
/// the plan; such a snapshot is this node's own build, so other members get a copy of the file, not the backup id.
/// </summary>
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
    bool InWorkDir,
    string? PointInTime = null);

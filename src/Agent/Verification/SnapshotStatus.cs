namespace EtcdAgent.Verification;

/// <summary>
/// What `etcdctl snapshot status` reports (3.4/3.5 meanings), plus what an operator restoring needs to know.
/// </summary>
/// <param name="Hash">CRC-32C over each top-level bucket's name, then its keys and values, in order.</param>
/// <param name="Revision">Main revision of the last key in the `key` bucket.</param>
/// <param name="TotalKey">Every key/value of every top-level bucket (3.4/3.5 meaning).</param>
/// <param name="TotalSize">pgid × pageSize.</param>
/// <param name="LiveKeys">Keys alive at the last revision, tombstones removed (3.6 meaning); null if unknowable.</param>
/// <param name="StorageVersion">meta/storageVersion (etcd 3.6+), or null.</param>
/// <param name="ConsistentIndex">meta/consistent_index, or null when absent.</param>
/// <param name="Buckets">Keys per top-level bucket, in bucket order.</param>
internal sealed record SnapshotStatus(uint Hash, long Revision, long TotalKey, long TotalSize, long? LiveKeys,
    string? StorageVersion, ulong? ConsistentIndex, IReadOnlyDictionary<string, long> Buckets);

using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Manifests;
using EtcdAgent.Snapshots;
using EtcdAgent.Storage;
using EtcdAgent.Verification;

namespace EtcdAgent.Drill;

/// <summary>
/// What a drill restores: a stored backup fetched and proven as a restore would (<see cref="Of"/>), or a snapshot
/// the caller builds into the drill's work dir — `drill --at-revision/--at-time` builds the cluster at a point of a
/// backup's chain. <c>Fetch</c> writes the verified snapshot to the path it is given; the drill then checks that the
/// throwaway member serves <c>Revision</c>.
/// </summary>
internal sealed record DrillSource(string BackupId, long Revision, long RawSize, long? LiveKeys, string? EtcdVersion,
    Func<string, CancellationToken, Task<VerificationReport>> Fetch)
{
    /// <summary>Which point of the chain was built, for the report; null for a plain backup.</summary>
    public string? PointInTime { get; init; }

    public static DrillSource Of(IObjectStore store, BackupManifest manifest, Keyring keyring, long maxSnapshotBytes)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return new DrillSource(manifest.Id, manifest.Status.Revision, manifest.Raw.Size, manifest.Status.LiveKeys, manifest.EtcdVersion,
            (path, ct) => BackupFetcher.FetchAsync(store, manifest, keyring, path, overwrite: true, maxSnapshotBytes, null, ct, durable: false));
    }
}

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

    /// <summary>
    /// Proves the backup's control-plane recovery bundle as `restore --with-bundle` would fetch it (decrypted, every
    /// entry against the manifest's list); null when the backup has none. A drill that restores the snapshot but not
    /// its bundle would pass a backup a wiped control plane cannot use.
    /// </summary>
    public Func<CancellationToken, Task>? ProveBundle { get; init; }

    public static DrillSource Of(IObjectStore store, BackupManifest manifest, Keyring keyring, long maxSnapshotBytes)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return new DrillSource(manifest.Id, manifest.Status.Revision, manifest.Raw.Size, manifest.Status.LiveKeys, manifest.EtcdVersion,
            (path, ct) => BackupFetcher.FetchAsync(store, manifest, keyring, path, overwrite: true, maxSnapshotBytes, null, ct, durable: false))
        {
            ProveBundle = manifest.Bundle is null ? null : async ct =>
            {
                using var bundle = await Bundle.BundleObject.FetchAsync(store, manifest, keyring, ct).ConfigureAwait(false);
            },
        };
    }
}

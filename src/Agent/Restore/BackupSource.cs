using EtcdAgent.Bundle;
using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Configuration;
using EtcdAgent.Manifests;
using EtcdAgent.Output;
using EtcdAgent.Snapshots;
using EtcdAgent.Storage;
using EtcdAgent.Verification;
using Spectre.Console;

namespace EtcdAgent.Restore;

/// <summary>
/// Where the planner gets a backup named by id (or latest): found in the configured store's catalog and fetched
/// through <see cref="BackupFetcher"/> (stored sha256, decrypt, decompress, raw sha256, trailer, structure) into the
/// restore's work dir, as every other reader of backups does (docs/architecture.md invariant 4); for a point-in-time
/// restore built there instead, by the session's <see cref="RestoreSession.BuildSnapshot"/>.
/// </summary>
internal sealed class BackupSource(RestoreSession session, IAnsiConsole? progressConsole)
{
    public async Task<FetchedSnapshot> FetchAsync(string id, string workDir, CancellationToken cancellationToken)
    {
        if (session.BuildSnapshot is { } build)
        {
            Directory.CreateDirectory(workDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return await CleanUpOnFailure(workDir, build(id, workDir, cancellationToken)).ConfigureAwait(false);
        }

        var options = session.Options.Value;
        using var store = StoreFactory.Create(options.Store, session.Loggers, session.Time);
        var manifest = await BackupCatalog.FindAsync(store, options.Cluster, id, cancellationToken).ConfigureAwait(false);
        var keyring = KeyringService.Load(options.Backup, session.KeyFiles).Keyring;
        Directory.CreateDirectory(workDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return await CleanUpOnFailure(workDir, FetchAsync(store, manifest, keyring, options, Path.Combine(workDir, "snapshot.db"), cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>
    /// restore --with-bundle: the recovery bundle of backup <paramref name="backupId"/> (a point in time: its chain's
    /// base), fetched and proven (<see cref="BundleObject.FetchAsync"/>), with where this node's files live and its name.
    /// </summary>
    public async Task<BundleSource> FetchBundleAsync(string backupId, CancellationToken cancellationToken)
    {
        var options = session.Options.Value;
        using var store = StoreFactory.Create(options.Store, session.Loggers, session.Time);
        var manifest = await BackupCatalog.FindAsync(store, options.Cluster, backupId, cancellationToken).ConfigureAwait(false);
        var keyring = KeyringService.Load(options.Backup, session.KeyFiles).Keyring;
        try
        {
            var bundle = await BundleObject.FetchAsync(store, manifest, keyring, cancellationToken).ConfigureAwait(false);
            return new BundleSource(bundle, options.Bundle.Root, options.Node);
        }
        catch (BundleMissingException ex)
        {
            throw new ConfigurationException($"--with-bundle: {ex.Message}, or restore without --with-bundle. Nothing was changed.", ex);
        }
    }

    private async Task<FetchedSnapshot> FetchAsync(IObjectStore store, BackupManifest manifest, Keyring keyring, AgentOptions options, string path,
        CancellationToken cancellationToken)
    {
        var workDir = Path.GetDirectoryName(path)!;
        var free = new DriveInfo(workDir).AvailableFreeSpace;
        if (free < manifest.Raw.Size)
        {
            throw new ConfigurationException($"{workDir} has {ByteSize.Format(free)} free, the snapshot needs {ByteSize.Format(manifest.Raw.Size)}: free space or pass --state-dir");
        }

        session.Out.WriteLine($"Fetching backup {manifest.Id} ({ByteSize.Format(manifest.Stored.Size)} stored) and verifying it...");

        // Not fsynced: a scratch copy used minutes later; etcd's restore binary checks its sha256 trailer again,
        // so a copy damaged by a crash in between is refused, never restored.
        Task<VerificationReport> Fetch(IProgress<long>? progress) =>
            BackupFetcher.FetchAsync(store, manifest, keyring, path, overwrite: true, options.Backup.MaxSnapshotSize, progress, cancellationToken, durable: false);

        // A progress bar on a terminal: download, decryption and decompression are one stream.
        var report = progressConsole is null
            ? await Fetch(null).ConfigureAwait(false)
            : await progressConsole.Progress().StartAsync(async progressContext =>
            {
                var bar = progressContext.AddTask("download, decode, verify", maxValue: manifest.Stored.Size);
                return await Fetch(new Progress<long>(done => bar.Value = done)).ConfigureAwait(false);
            }).ConfigureAwait(false);

        return new FetchedSnapshot(path, report.Sha256!, manifest.Raw.Size, report.Status!.Revision, report.Status.LiveKeys,
            manifest.EtcdVersion, manifest.Id, manifest.CreatedAt, manifest.Members, InWorkDir: true);
    }

    /// <summary>The work dir goes again when the snapshot could not be had and nothing else lies in it.</summary>
    private static async Task<FetchedSnapshot> CleanUpOnFailure(string workDir, Task<FetchedSnapshot> fetch)
    {
        try
        {
            return await fetch.ConfigureAwait(false);
        }
        catch
        {
            if (Directory.Exists(workDir) && !Directory.EnumerateFileSystemEntries(workDir).Any())
            {
                Directory.Delete(workDir);
            }

            throw;
        }
    }
}

/// <summary>A fetched bundle, the tree this node's files live under (bundle.root) and this node's name.</summary>
internal sealed record BundleSource(FetchedBundle Bundle, string Root, string Node);

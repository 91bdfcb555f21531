using System.CommandLine;
using System.Globalization;
using EtcdAgent.Failures;
using EtcdAgent.Manifests;
using EtcdAgent.Snapshots;
using EtcdAgent.Storage;

namespace EtcdAgent.Commands;

/// <summary>
/// <c>etcd-agent backup verify ID|latest</c>: fetch and prove a backup exactly as a restore would (into a private
/// temporary file in the spool directory, deleted afterwards). Exit 6 when it is damaged.
/// </summary>
internal static class BackupVerifyCommand
{
    public static Command Create(CliContext context, AgentFlags flags)
    {
        var id = new Argument<string>("ID") { Description = "A backup id from `backup list`, or latest" };
        var command = new Command("verify", "Fetch a backup and verify it end to end as a restore would") { id };
        command.SetAction((parse, ct) => StoreCommand.RunAsync(parse, context, flags, async (options, store) =>
        {
            var manifest = await BackupCatalog.FindAsync(store, options.Cluster, parse.GetValue(id)!, ct).ConfigureAwait(false);
            var keyring = AgentFlags.Keyring(parse, flags, options);
            Directory.CreateDirectory(options.Backup.SpoolDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var temp = Path.Combine(options.Backup.SpoolDir, $"verify-{manifest.Id}-{Environment.ProcessId}.db");
            try
            {
                var report = await BackupFetcher.FetchAsync(store, manifest, keyring, temp, overwrite: true, options.Backup.MaxSnapshotSize, null, ct, durable: false)
                    .ConfigureAwait(false);
                context.Out.WriteLine($"Backup {manifest.Id} is intact: revision {report.Status!.Revision.ToString(CultureInfo.InvariantCulture)}, " +
                                      $"{report.Status.LiveKeys?.ToString(CultureInfo.InvariantCulture) ?? "?"} live keys, hash {report.Status.Hash.ToString("x8", CultureInfo.InvariantCulture)}");
                context.Out.WriteLine("  checked: stored sha256, decryption and decompression, plain sha256, etcd's trailer, bbolt structure, status against the manifest");
                if (manifest.Bundle is { } bundle)
                {
                    await VerifyBundleAsync(store, manifest, keyring, ct).ConfigureAwait(false);
                    context.Out.WriteLine($"  bundle:  {bundle.Files.Count.ToString(CultureInfo.InvariantCulture)} paths of node {bundle.Node} intact (stored and plain sha256, decryption, every entry against the manifest's list)");
                }

                return ExitCodes.Success;
            }
            catch (IOException ex) when (LocalIo.IsDiskFull(ex))
            {
                throw new WorkDirectoryFullException("spool directory", options.Backup.SpoolDir, manifest.Raw.Size,
                    "the backup's plain snapshot (its raw size), fetched there to be verified", "The backup was not verified.", "backup.spoolDir", ex);
            }
            finally
            {
                File.Delete(temp);
            }
        }));
        return command;
    }

    /// <summary>The snapshot alone is not enough to bring a kubeadm control plane back: a damaged bundle fails the backup.</summary>
    private static async Task VerifyBundleAsync(IObjectStore store, BackupManifest manifest, Codecs.Encryption.Keyring keyring, CancellationToken ct)
    {
        try
        {
            using var fetched = await Bundle.BundleObject.FetchAsync(store, manifest, keyring, ct).ConfigureAwait(false);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"the snapshot of backup {manifest.Id} is intact, but its recovery bundle is not: {ex.Message}", ex);
        }
    }
}

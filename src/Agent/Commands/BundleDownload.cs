using System.Globalization;
using EtcdAgent.Bundle;
using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Failures;
using EtcdAgent.Manifests;
using EtcdAgent.Output;
using EtcdAgent.Storage;

namespace EtcdAgent.Commands;

/// <summary>
/// `backup download ID --bundle DIR`: the backup's recovery bundle, proven against its manifest, extracted into a new
/// 0700 directory, and a listing of what came out (paths, types, modes, sizes — never contents).
/// </summary>
internal static class BundleDownload
{
    public static async Task<int> RunAsync(CliContext context, IObjectStore store, BackupManifest manifest, Keyring keyring, string directory, CancellationToken ct)
    {
        var target = RefuseNonEmpty(directory);
        var existed = Directory.Exists(target);
        using var bundle = await BundleObject.FetchAsync(store, manifest, keyring, ct).ConfigureAwait(false);
        var archive = bundle.Open();
        await using (archive.ConfigureAwait(false))
        {
            try
            {
                await BundleExtractor.ExtractAsync(archive, target, ct).ConfigureAwait(false);
            }
            catch
            {
                // Half a bundle is private keys in a directory nobody asked to keep, and it would block a rerun.
                RemoveExtracted(target, existed);
                throw;
            }
        }

        var info = bundle.Info;
        context.Out.WriteLine($"Recovery bundle of backup {manifest.Id} (node {info.Node}) extracted to {target} (0700)");
        TableWriter.Write(context.Out, ["PATH", "TYPE", "MODE", "SIZE"],
            info.Files.Select(f => (IReadOnlyList<string>)
            [
                f.Path, f.Type == BundleFile.Symlink ? $"symlink -> {f.LinkTarget}" : f.Type, f.Mode,
                f.Type == BundleFile.File ? f.Size.ToString(CultureInfo.InvariantCulture) : "-",
            ]));
        foreach (var missing in info.Missing)
        {
            context.Out.WriteLine($"  missing on the node when backed up: {missing}");
        }

        foreach (var skipped in info.Skipped)
        {
            context.Out.WriteLine($"  note: {skipped}");
        }

        context.Out.WriteLine("  verified: stored and plain sha256, decryption, every entry against the manifest's list; the paths under DIR are the node's paths");
        return ExitCodes.Success;
    }

    /// <summary>The full path of DIR, refused when it exists and is not empty (before anything is fetched).</summary>
    public static string RefuseNonEmpty(string directory)
    {
        var target = Path.GetFullPath(directory);
        return Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any()
            ? throw new Configuration.ConfigurationException($"{target} exists and is not empty: give a new (or empty) directory for the bundle")
            : target;
    }

    /// <summary>Removes what an extraction that failed wrote (links are removed, never followed).</summary>
    private static void RemoveExtracted(string target, bool existed)
    {
        if (!Directory.Exists(target))
        {
            return;
        }

        if (!existed)
        {
            Directory.Delete(target, recursive: true);
            return;
        }

        foreach (var entry in new DirectoryInfo(target).EnumerateFileSystemInfos())
        {
            if (entry is DirectoryInfo { LinkTarget: null } dir)
            {
                dir.Delete(recursive: true);
            }
            else
            {
                entry.Delete();
            }
        }
    }
}

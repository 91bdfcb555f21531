using System.CommandLine;
using System.Globalization;
using EtcdAgent.Configuration;
using EtcdAgent.Failures;
using EtcdAgent.Manifests;
using EtcdAgent.Output;
using EtcdAgent.Snapshots;

namespace EtcdAgent.Commands;

/// <summary>
/// <c>etcd-agent backup download ID|latest FILE</c>: a stored backup as a plain snapshot etcdctl accepts — decoded,
/// checked against its manifest, trailer and structure verified, written 0600 and renamed only when whole.
/// </summary>
internal static class BackupDownloadCommand
{
    public static Command Create(CliContext context, AgentFlags flags)
    {
        var id = new Argument<string>("ID") { Description = "A backup id from `backup list`, or latest" };
        var file = new Argument<string?>("FILE") { Description = "Where to write the plain snapshot (created 0600); optional with --bundle", Arity = ArgumentArity.ZeroOrOne };
        var bundleDir = new Option<string?>("--bundle") { Description = "Extract the backup's control-plane recovery bundle into DIR (new, or empty; created 0700)", HelpName = "DIR" };
        var force = new Option<bool>("--force") { Description = "Replace FILE if it exists (atomically, once the new one is verified)" };
        var pointInTime = new PointInTimeFlags();
        var command = new Command("download", "Fetch a backup as a plain, verified etcd snapshot file (or the cluster at a point of its chain)") { id, file, force, bundleDir };
        foreach (var option in pointInTime.All)
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, ct) => StoreCommand.RunAsync(parse, context, flags, async (options, store) =>
        {
            if (parse.GetValue(file) is null)
            {
                if (parse.GetValue(bundleDir) is not { } onlyBundle)
                {
                    throw new ConfigurationException("give FILE (where to write the snapshot), --bundle DIR (where to extract the recovery bundle), or both");
                }

                if (pointInTime.Target(parse) is not null)
                {
                    throw new ConfigurationException("--at-revision/--at-time build a snapshot: give FILE too");
                }

                var only = await BackupCatalog.FindAsync(store, options.Cluster, parse.GetValue(id)!, ct).ConfigureAwait(false);
                return await BundleDownload.RunAsync(context, store, only, AgentFlags.Keyring(parse, flags, options), onlyBundle, ct).ConfigureAwait(false);
            }

            // Both: what would refuse either is checked before anything is written (a non-empty DIR, an existing FILE
            // without --force), then the snapshot, then the bundle; a failure leaves nothing that blocks a rerun.
            var withBundle = parse.GetValue(bundleDir);
            if (withBundle is not null)
            {
                BundleDownload.RefuseNonEmpty(withBundle);
                if (File.Exists(parse.GetValue(file)) && !parse.GetValue(force))
                {
                    throw new ConfigurationException($"{Path.GetFullPath(parse.GetValue(file)!)} exists: pass --force to replace it, or give another FILE");
                }
            }

            if (pointInTime.Target(parse) is { } target)
            {
                var built = await PointInTimeDownload.RunAsync(context, options, store, AgentFlags.Keyring(parse, flags, options), parse.GetValue(id)!,
                    target, Path.GetFullPath(parse.GetValue(file)!), parse.GetValue(force), ct).ConfigureAwait(false);
                return withBundle is null || built != ExitCodes.Success ? built
                    : await BundleDownload.RunAsync(context, store, await BackupCatalog.FindAsync(store, options.Cluster, parse.GetValue(id)!, ct).ConfigureAwait(false),
                        AgentFlags.Keyring(parse, flags, options), withBundle, ct).ConfigureAwait(false);
            }

            var manifest = await BackupCatalog.FindAsync(store, options.Cluster, parse.GetValue(id)!, ct).ConfigureAwait(false);
            var keyring = AgentFlags.Keyring(parse, flags, options);
            var path = Path.GetFullPath(parse.GetValue(file)!);
            using var progress = TerminalProgress.Create(context, manifest.Stored.Size);
            var report = await BackupFetcher.FetchAsync(store, manifest, keyring, path, parse.GetValue(force), options.Backup.MaxSnapshotSize, progress, ct)
                .ConfigureAwait(false);
            context.Out.WriteLine($"Backup {manifest.Id} written to {path}");
            context.Out.WriteLine($"  revision {report.Status!.Revision.ToString(CultureInfo.InvariantCulture)}, {report.Status.LiveKeys?.ToString(CultureInfo.InvariantCulture) ?? "?"} live keys, {ByteSize.Format(manifest.Raw.Size)}");
            context.Out.WriteLine("  verified: stored and plain sha256 match the manifest, etcd's sha256 trailer, bbolt structure");
            context.Out.WriteLine($"  restore it with: etcdctl snapshot restore {ShellQuote.Quote(path)} ... (or `etcd-agent restore`)");
            return withBundle is null ? ExitCodes.Success : await BundleDownload.RunAsync(context, store, manifest, keyring, withBundle, ct).ConfigureAwait(false);
        }));
        return command;
    }
}

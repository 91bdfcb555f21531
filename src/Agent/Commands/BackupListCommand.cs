using System.CommandLine;
using System.Globalization;
using EtcdAgent.Failures;
using EtcdAgent.Manifests;
using EtcdAgent.Output;

namespace EtcdAgent.Commands;

/// <summary>
/// <c>etcd-agent backup list</c>: the cluster's backups, newest first (only manifests make a backup), and the window
/// each one's chain of continuous segments can restore, with its holes (<see cref="ChainListing"/>).
/// </summary>
internal static class BackupListCommand
{
    public static Command Create(CliContext context, AgentFlags flags, Option<string> writeOut)
    {
        var command = new Command("list", "List the cluster's backups in the store, newest first");
        command.SetAction((parse, ct) => StoreCommand.RunAsync(parse, context, flags, async (options, store) =>
        {
            var catalog = await BackupCatalog.LoadAsync(store, options.Cluster, ct).ConfigureAwait(false);
            var chains = await ChainListing.LoadAsync(store, options.Cluster, catalog, ct).ConfigureAwait(false);
            if (parse.GetValue(writeOut) == OutputFormat.Json)
            {
                var items = catalog.Backups.Select(b => new BackupListItemJson(b.Id, "ok", null, b.CreatedAt, b.Node, b.Revision, b.Status.LiveKeys,
                    b.Raw.Size, b.Stored.Size, b.Codecs.Compression, b.Codecs.Encryption, b.Codecs.KeyId, b.Stored.Key, ChainListing.Json(chains[b.Id]),
                    b.Bundle is { } bundle ? new BundleJson(bundle.Node, bundle.Files.Count, bundle.Missing, bundle.Size) : null))
                    .Concat(catalog.Damaged.Select(d => new BackupListItemJson(d.Id, "damaged", d.Reason, null, null, null, null, null, null, null, null, null, d.ManifestKey)))
                    .ToList();
                AgentJsonContext.Write(context.Out, items, AgentJsonContext.Default.ListBackupListItemJson);
            }
            else if (catalog.Backups.Count == 0 && catalog.Damaged.Count == 0)
            {
                context.Out.WriteLine($"No backups of cluster \"{options.Cluster}\" in {store.Location}.");
            }
            else
            {
                var now = context.Time.GetUtcNow();
                TableWriter.Write(context.Out, ["ID", "AGE", "NODE", "REVISION", "LIVE KEYS", "RAW", "STORED", "CODECS", "BUNDLE"],
                    catalog.Backups.Select(b => (IReadOnlyList<string>)
                    [
                        b.Id, Age(now - b.CreatedAt), b.Node, b.Revision.ToString(CultureInfo.InvariantCulture),
                        b.Status.LiveKeys?.ToString(CultureInfo.InvariantCulture) ?? "?", ByteSize.Format(b.Raw.Size), ByteSize.Format(b.Stored.Size),
                        BackupCreateCommand.Codecs(b), BundleColumn(b),
                    ]));
                ChainListing.WriteTable(context.Out, catalog.Backups, chains);
            }

            if (parse.GetValue(writeOut) != OutputFormat.Json && catalog.Damaged.Count > 0)
            {
                context.Out.WriteLine();
                context.Out.WriteLine($"DAMAGED: {catalog.Damaged.Count} backup(s) whose manifest cannot be trusted; never restored, never pruned:");
                TableWriter.Write(context.Out, ["ID", "MANIFEST", "PROBLEM"],
                    catalog.Damaged.Select(d => (IReadOnlyList<string>)[d.Id, d.ManifestKey, d.Reason]));
            }

            ChainListing.WriteWarnings(context.Error, catalog.Backups, chains);
            foreach (var damaged in catalog.Damaged)
            {
                context.Error.WriteLine($"Warning: backup {damaged.Id} is damaged: {damaged.Reason}");
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>Whether the backup carries the control-plane recovery bundle: "yes", "yes (2 missing)" or "-".</summary>
    private static string BundleColumn(BackupManifest backup) => backup.Bundle switch
    {
        null => "-",
        { Missing.Count: 0 } => "yes",
        var bundle => $"yes ({bundle.Missing.Count.ToString(CultureInfo.InvariantCulture)} missing)",
    };

    /// <summary>"45s", "12m", "5h", "3d".</summary>
    public static string Age(TimeSpan age) =>
        age < TimeSpan.Zero ? "0s"
        : age.TotalMinutes < 1 ? $"{(int)age.TotalSeconds}s"
        : age.TotalHours < 1 ? $"{(int)age.TotalMinutes}m"
        : age.TotalDays < 2 ? $"{(int)age.TotalHours}h"
        : $"{(int)age.TotalDays}d";
}

using System.CommandLine;
using EtcdAgent.Configuration;
using EtcdAgent.Failures;
using EtcdAgent.Output;
using EtcdAgent.Retention;
using Microsoft.Extensions.DependencyInjection;

namespace EtcdAgent.Commands;

/// <summary><c>etcd-agent backup prune [--dry-run]</c>: apply the retention policy to the store.</summary>
internal static class BackupPruneCommand
{
    public static Command Create(CliContext context, AgentFlags flags, Option<string> writeOut)
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "Show what would be deleted; delete nothing" };
        var command = new Command("prune", "Delete backups the retention policy no longer keeps, orphans and stale uploads") { dryRun };
        command.SetAction((parse, ct) => StoreCommand.RunAsync(parse, context, flags, async (AgentOptions options, IServiceProvider services) =>
        {
            var pruner = services.GetRequiredService<Pruner>();
            var report = await pruner.PruneAsync(parse.GetValue(dryRun), ct).ConfigureAwait(false);
            var kept = report.Decisions.Where(d => d.Keep).Select(d => $"{d.Backup.Id} ({string.Join(", ", d.KeptBecause)})").ToList();
            if (parse.GetValue(writeOut) == OutputFormat.Json)
            {
                var json = new PruneJson(report.DryRun, kept, report.Deleted, report.Deferred, report.Locked, report.Orphans, report.PendingUploads,
                    report.Warnings, report.OldVersionBytes)
                {
                    DeletedSegmentObjects = report.DeletedSegmentObjects,
                };
                AgentJsonContext.Write(context.Out, json, AgentJsonContext.Default.PruneJson);
                return ExitCodes.Success;
            }

            var verb = report.DryRun ? "would delete" : "deleted";
            context.Out.WriteLine($"{(report.DryRun ? "Dry run: " : string.Empty)}{kept.Count} kept, {report.Deleted.Count} {verb}, {report.Orphans.Count} orphan objects and {report.PendingUploads.Count} stale uploads {(report.DryRun ? "would be " : string.Empty)}removed");
            foreach (var line in kept)
            {
                context.Out.WriteLine("  keep    " + line);
            }

            foreach (var id in report.Deleted)
            {
                context.Out.WriteLine($"  {(report.DryRun ? "delete" : "deleted")}  {id}");
            }

            foreach (var id in report.Locked)
            {
                context.Out.WriteLine("  locked  " + id);
            }

            foreach (var id in report.Deferred)
            {
                context.Out.WriteLine("  later   " + id);
            }

            foreach (var key in report.Orphans.Concat(report.PendingUploads))
            {
                context.Out.WriteLine($"  {(report.DryRun ? "remove" : "removed")}  {key}");
            }

            if (report.DeletedSegmentObjects > 0)
            {
                context.Out.WriteLine($"  deleted {report.DeletedSegmentObjects} objects of those backups' continuous chains with them");
            }

            if (report.OldVersionBytes > 0)
            {
                context.Out.WriteLine($"  held    {ByteSizes.Format(report.OldVersionBytes)} in old versions of deleted backups (versioned bucket; see the warning)");
            }

            // Warnings were logged (stderr) by the pruner already.
            return ExitCodes.Success;
        }));
        return command;
    }
}

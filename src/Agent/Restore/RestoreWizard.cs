using System.Globalization;
using EtcdAgent.Configuration;
using EtcdAgent.Manifests;
using EtcdAgent.Output;
using EtcdAgent.Storage;
using Spectre.Console;

namespace EtcdAgent.Restore;

/// <summary>
/// The questions `etcd-agent restore` asks on a terminal: which backup (newest first) or which file, and — after
/// the plan is shown — whether to go ahead. Answers fill the same request the flags fill; nothing here restores.
/// </summary>
internal static class RestoreWizard
{
    private const string LocalFile = "A local snapshot file...";

    /// <summary>A backup id from the store, or a file path the operator types.</summary>
    public static async Task<string> ChooseSnapshotAsync(IAnsiConsole console, RestoreSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(session);
        console.Write(new Rule("[bold]etcd-agent restore[/]").LeftJustified());
        IReadOnlyList<BackupManifest> backups = [];
        string? storeProblem = null;
        try
        {
            if (session.Options.OrNull is { } loaded)
            {
                using var store = StoreFactory.Create(loaded.Store, session.Loggers, session.Time);
                backups = (await BackupCatalog.LoadAsync(store, loaded.Cluster, cancellationToken).ConfigureAwait(false)).Backups;
            }
            else
            {
                storeProblem = "no configuration or --store, so no store to list";
            }
        }
        catch (Exception ex) when (ex is ConfigurationException or StoreException)
        {
            storeProblem = ex.Message;
        }

        if (storeProblem is not null)
        {
            console.MarkupLineInterpolated($"[yellow]Store not available:[/] {storeProblem}");
        }

        var now = session.Time.GetUtcNow();
        var labels = backups.ToDictionary(b => Label(b, now), b => b.Id);
        var prompt = new SelectionPrompt<string>()
            .Title("Which backup should this member be restored from? [grey](newest first)[/]")
            .PageSize(12)
            .AddChoices(labels.Keys)
            .AddChoices(LocalFile);
        var choice = console.Prompt(prompt);
        if (choice != LocalFile)
        {
            return labels[choice];
        }

        return console.Prompt(new TextPrompt<string>("Path of the snapshot file:")
            .Validate(path => File.Exists(path) ? ValidationResult.Success() : ValidationResult.Error($"[red]{Markup.Escape(path)} does not exist[/]")));
    }

    /// <summary>The last word before anything changes; the default is no.</summary>
    public static bool Confirm(IAnsiConsole console, RestorePlan plan)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(plan);
        var members = InitialCluster.Parse(plan.Journal.InitialCluster, "plan").Members.Count;
        if (members > 1 && !console.Prompt(new ConfirmationPrompt(
                $"This restores 1 of {members.ToString(CultureInfo.InvariantCulture)} members. Are etcd and kube-apiserver stopped on EVERY other node (the start gate checks etcd's ports too)?")
        { DefaultValue = false }))
        {
            return false;
        }

        return console.Prompt(new ConfirmationPrompt(
            $"Stop etcd on this node and replace member {plan.Journal.Member.Name}'s data with {plan.Snapshot.BackupId ?? plan.Snapshot.Path}? (the old data is kept and --rollback can bring it back)")
        { DefaultValue = false });
    }

    private static string Label(BackupManifest b, DateTimeOffset now) =>
        Markup.Escape($"{b.Id}  {Age(now - b.CreatedAt)} ago, node {b.Node}, revision {b.Revision.ToString(CultureInfo.InvariantCulture)}, " +
                      $"{b.Status.LiveKeys?.ToString(CultureInfo.InvariantCulture) ?? "?"} keys, {ByteSize.Format(b.Raw.Size)}");

    private static string Age(TimeSpan age) =>
        age.TotalDays >= 2 ? $"{age.TotalDays:0}d" : age.TotalHours >= 2 ? $"{age.TotalHours:0}h" : $"{Math.Max(0, age.TotalMinutes):0}m";
}

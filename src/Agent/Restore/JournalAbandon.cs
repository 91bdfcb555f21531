namespace EtcdAgent.Restore;

/// <summary>
/// `restore --abandon`: ends a journal that neither --resume nor --rollback can (or should) finish, typically after
/// an operator repaired the member by hand. Nothing is moved or deleted: the warning names every directory and file
/// the restore leaves and where, and the journal is kept, marked abandoned, so no command acts on it again and a
/// fresh restore is no longer blocked by it.
/// </summary>
internal static class JournalAbandon
{
    /// <summary>One line for each thing the restore leaves behind, and where.</summary>
    public static async Task<IReadOnlyList<string>> WhatStaysWhereAsync(RestoreJournal journal, JournalStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(journal);
        ArgumentNullException.ThrowIfNull(store);
        var dirs = new DataDirs(journal.Member, journal.Id);
        var lines = new List<string>();
        var restoredInPlace = journal.Started(RestoreSteps.Install) && !journal.Undone.Contains("undo-install");
        lines.Add(Directory.Exists(dirs.Member)
            ? $"{dirs.Member}: {(restoredInPlace ? $"the restored member (backup {journal.BackupId ?? journal.SnapshotPath})" : "the old member")}, what etcd runs from"
            : $"{dirs.Member}: absent (etcd has no member here; a new restore treats this as a new node)");
        if (Directory.Exists(dirs.OldMember))
        {
            lines.Add($"{dirs.OldMember}: the old member, as it was before restore {journal.Id}");
        }

        if (dirs.WalWork is { } walWork && Directory.Exists(Path.Combine(walWork, "old-wal")))
        {
            lines.Add($"{Path.Combine(walWork, "old-wal")}: the old member's WAL files");
        }

        if (Directory.Exists(dirs.Work))
        {
            foreach (var dir in Directory.EnumerateDirectories(dirs.Work).Where(d => d != dirs.OldMember).Order(StringComparer.Ordinal))
            {
                var empty = !Directory.EnumerateFileSystemEntries(dir).Any() ? " (empty)" : string.Empty;
                lines.Add($"{dir}: {(Path.GetFileName(dir) == "staged" ? "the restore's staging output" : "the restored member, moved out by a rollback")}{empty}");
            }
        }

        if (journal.Topology is { Kind: "kubeadm", AsideDir: { } aside, ManifestsDir: { } manifests } && Directory.Exists(aside)
            && Directory.GetFiles(aside) is { Length: > 0 } files)
        {
            lines.Add($"{aside}: static pod manifests moved aside ({string.Join(", ", files.Select(Path.GetFileName))}); move them back into {manifests} when etcd should run");
        }

        lines.AddRange(BundleLines(journal, store));
        if (File.Exists(journal.SnapshotPath) && journal.SnapshotPath.StartsWith(store.Root + "/", StringComparison.Ordinal))
        {
            lines.Add($"{journal.SnapshotPath}: the snapshot fetched for this restore");
        }

        lines.Add($"{Path.Combine(store.WorkDir(journal.Id), "journal.json")}: this journal, kept with state abandoned (no command acts on it again)");
        var down = await MemberDown.CheckAsync(journal.Member, cancellationToken).ConfigureAwait(false);
        lines.Add(down.IsDown ? $"etcd: not running ({down.Evidence}); start it yourself when the member is ready" : $"etcd: running ({down.Evidence})");
        return lines;
    }

    /// <summary>--with-bundle: what the bundle step wrote and set aside (as the journal records it), and the plain bundle if still there.</summary>
    private static IEnumerable<string> BundleLines(RestoreJournal journal, JournalStore store)
    {
        if (journal.Bundle is { } bundle)
        {
            BundleTargets? targets = null;
            try
            {
                targets = new BundleTargets(bundle.Root, journal.Id, journal.Topology);
            }
            catch (RestoreStepException)
            {
                // A damaged record: the lines below name host paths only.
            }

            foreach (var action in (bundle.Actions ?? []).Where(a => a is { Path: not null } && !a.Undone))
            {
                yield return action.Kind == BundleAction.MovedAside
                    ? $"{action.Path}: this node's own version, set aside by the bundle step{(targets is null ? string.Empty : " to " + Safe(() => targets.Aside(action.Path)))}"
                    : $"{action.Path}: written from backup {bundle.BackupId}'s bundle{(targets is null ? string.Empty : " at " + Safe(() => targets.Current(action.Path)))}";
            }
        }

        var tar = BundleStep.TarPath(store, journal.Id);
        if (File.Exists(tar))
        {
            yield return $"{tar}: the restore's plain copy of the bundle (private keys): delete it once nothing needs it";
        }
    }

    private static string Safe(Func<string> path)
    {
        try
        {
            return path();
        }
        catch (RestoreStepException)
        {
            return "(not a path a bundle step writes)";
        }
    }

    public static void Mark(RestoreJournal journal, JournalStore store, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(journal);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(time);
        journal.State = JournalState.Abandoned;
        journal.AbandonedAt = time.GetUtcNow();
        store.Save(journal);
    }
}

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

        if (File.Exists(journal.SnapshotPath) && journal.SnapshotPath.StartsWith(store.Root + "/", StringComparison.Ordinal))
        {
            lines.Add($"{journal.SnapshotPath}: the snapshot fetched for this restore");
        }

        lines.Add($"{Path.Combine(store.WorkDir(journal.Id), "journal.json")}: this journal, kept with state abandoned (no command acts on it again)");
        var down = await MemberDown.CheckAsync(journal.Member, cancellationToken).ConfigureAwait(false);
        lines.Add(down.IsDown ? $"etcd: not running ({down.Evidence}); start it yourself when the member is ready" : $"etcd: running ({down.Evidence})");
        return lines;
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

namespace EtcdAgent.Restore;

/// <summary>What a finished restore (new or resumed) prints: where the old data is, and what to do next.</summary>
internal static class SummaryText
{
    public static void Write(TextWriter output, RestoreJournal journal)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(journal);
        var dirs = new DataDirs(journal.Member, journal.Id);
        output.WriteLine($"Restore {journal.Id} complete: member {journal.Member.Name} runs the backup's data at revision {journal.ExpectedRevision}.");
        output.WriteLine($"  The old member is kept in {dirs.OldMember}; `etcd-agent restore --rollback` puts it back.");
        if (journal.Bundle is { } bundle)
        {
            var written = bundle.Actions.Count(a => a.Kind == BundleAction.Written);
            var aside = bundle.Actions.Count(a => a.Kind == BundleAction.MovedAside);
            output.WriteLine($"  Control-plane files from backup {bundle.BackupId}'s bundle: {written} written, {aside} of this node's set aside beside them as .etcd-agent-{journal.Id}.NAME (the rollback puts them back).");
        }

        output.WriteLine($"  Once the cluster is confirmed good, free the space: rm -rf {dirs.Work}{(dirs.WalWork is { } w ? " " + w : string.Empty)}");
        output.WriteLine("Next:");
        output.WriteLine("  - when every member is restored: restart kubelet on every control-plane node (systemctl restart kubelet),");
        output.WriteLine("    then kube-controller-manager and kube-scheduler (move their manifests out and back) so no component keeps old watches;");
        output.WriteLine("  - check: kubectl get nodes; kubectl get pods -A; etcd-agent endpoint health --endpoints ...;");
        output.WriteLine("  - take a fresh backup: etcd-agent backup create.");
    }
}

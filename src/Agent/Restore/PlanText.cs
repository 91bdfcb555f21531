using System.Globalization;
using EtcdAgent.Output;

namespace EtcdAgent.Restore;

/// <summary>The plan as an operator reads it before saying yes: what, where, how, and what the other members run.</summary>
internal static class PlanText
{
    public static void Write(TextWriter output, RestorePlan plan)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(plan);
        var journal = plan.Journal;
        var snapshot = plan.Snapshot;
        var member = journal.Member;
        output.WriteLine($"Restore plan {journal.Id}");
        output.WriteLine(snapshot.PointInTime is { } point
            ? $"  snapshot:       point in time: {point}, built into {snapshot.Path}"
            : $"  snapshot:       {snapshot.BackupId ?? snapshot.Path}" + (snapshot.CreatedAt is { } at ? $" (taken {at.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z)" : string.Empty));
        output.WriteLine($"                  revision {snapshot.Revision.ToString(CultureInfo.InvariantCulture)}, {snapshot.LiveKeys?.ToString(CultureInfo.InvariantCulture) ?? "?"} live keys, {ByteSize.Format(snapshot.Size)}, verified (sha256 {snapshot.Sha256})");
        output.WriteLine($"  topology:       {plan.Topology.Kind} ({member.Source})");
        output.WriteLine($"  member:         {member.Name}, data dir {member.DataDir}{(member.WalDir is { } wal ? ", WAL dir " + wal : string.Empty)}");
        output.WriteLine($"                  peer URLs {string.Join(',', member.PeerUrls.Select(Restore.Topology.MemberConfig.Format))}, clients at {member.LocalClientUrl}");
        output.WriteLine($"  initial cluster: {journal.InitialCluster}");
        output.WriteLine($"  cluster token:  {journal.Token} (new for this restore; every member must use it)");
        output.WriteLine($"  restore binary: {plan.Tool.Kind} {plan.Tool.Version} ({plan.Tool.Path}); revision bump {(journal.Bump > 0 ? journal.Bump.ToString(CultureInfo.InvariantCulture) + " with --mark-compacted" : "none")}");
        if (!plan.HasOldMember)
        {
            output.WriteLine($"  note:           {member.DataDir} holds no member/ yet (a new node)");
        }

        if (journal.Bundle is { } bundle)
        {
            BundleLines(output, bundle, plan.Bundle?.Bundle.Info);
        }

        foreach (var warning in plan.Warnings)
        {
            output.WriteLine($"  WARNING: {warning}");
        }

        output.WriteLine("Steps:");
        for (var i = 0; i < journal.Steps.Count; i++)
        {
            output.WriteLine($"  {(i + 1).ToString(CultureInfo.InvariantCulture),2}. {journal.Steps[i].Title}");
        }

        var others = OtherMemberCommands(plan);
        if (others.Count > 0)
        {
            output.WriteLine("Other members: stop etcd and kube-apiserver on EVERY node first; then, on each, run:");
            foreach (var (name, command) in others)
            {
                output.WriteLine($"  {name}: {command}");
            }

            if (SharedAs(snapshot) == snapshot.Path)
            {
                output.WriteLine($"  (copy {snapshot.Path} to the same path on each node first)");
            }
        }
    }

    /// <summary>--with-bundle: each listed path with its verdict (never any content), and what the backup could not bundle.</summary>
    private static void BundleLines(TextWriter output, BundleJournal bundle, Manifests.BundleInfo? info)
    {
        output.WriteLine($"  bundle:         backup {bundle.BackupId}, taken on node {bundle.Node}; {bundle.Planned.Count.ToString(CultureInfo.InvariantCulture)} paths compared under {bundle.Root}:");
        foreach (var path in bundle.Planned)
        {
            output.WriteLine($"                    {path.Verdict,-13} {path.Path}{(path.Type == Manifests.BundleFile.File ? string.Empty : " (" + path.Type + ")")}");
        }

        foreach (var missing in info?.Missing ?? [])
        {
            output.WriteLine($"                    not in the bundle (missing on {bundle.Node} at backup time): {missing}");
        }
    }

    /// <summary>The exact command for each other member: same snapshot (pinned by sha256), same token and cluster.</summary>
    public static IReadOnlyList<(string Name, string Command)> OtherMemberCommands(RestorePlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var journal = plan.Journal;
        var cluster = InitialCluster.Parse(journal.InitialCluster, "plan");
        return cluster.Members
            .Where(m => m.Key != journal.Member.Name)
            .Select(m => (m.Key,
                $"etcd-agent restore --snapshot {Quote(SharedAs(plan.Snapshot))} --snapshot-sha256 {journal.SnapshotSha256} " +
                $"--initial-cluster {Quote(journal.InitialCluster)} --initial-cluster-token {journal.Token} " +
                $"--name {Quote(m.Key)} --initial-advertise-peer-urls {Quote(string.Join(',', m.Value))}" +
                (journal.Bump > 0 ? $" --bump-revision {journal.Bump.ToString(CultureInfo.InvariantCulture)}" : " --bump-revision 0") + " --yes"))
            .ToList();
    }

    /// <summary>
    /// What the other members restore: the backup id, or the file itself — a local one, or a point-in-time build
    /// (another build would hold the same keys but not the same bytes, and every member needs the very same snapshot).
    /// </summary>
    private static string SharedAs(FetchedSnapshot snapshot) => snapshot.PointInTime is null ? snapshot.BackupId ?? snapshot.Path : snapshot.Path;

    private static string Quote(string value) =>
        value.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=,@".Contains(c, StringComparison.Ordinal)) ? value : "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}

using EtcdAgent.Restore.Topology;

namespace EtcdAgent.Restore;

/// <summary>
/// Whether the local member is demonstrably down: nothing answers on its client and peer ports and no process holds
/// a file under its data (or WAL) dir. Only then may a stop command that failed — a stale `kill PID`, a unit that is
/// already stopped — count as done: the restore moves directories, which is safe only when nothing uses them.
/// </summary>
internal static class MemberDown
{
    public static async Task<DownCheck> CheckAsync(MemberConfig member, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(member);
        var open = new List<Uri>();
        foreach (var url in member.PortsToGate)
        {
            if (await PortProbe.IsOpenAsync(url, cancellationToken).ConfigureAwait(false))
            {
                open.Add(url);
            }
        }

        var dirs = new[] { member.DataDir, member.WalDir }.OfType<string>().ToList();
        var (holders, unreadable) = DataDirHolders.Find(dirs);
        var dirText = string.Join(" or ", dirs);
        if (open.Count == 0 && holders.Count == 0 && unreadable == 0)
        {
            return new DownCheck(true, $"nothing answers on {string.Join(", ", member.PortsToGate)} and no process has a file open under {dirText}");
        }

        var reasons = new List<string>();
        if (open.Count > 0)
        {
            reasons.Add($"etcd still answers on {string.Join(", ", open)}");
        }

        reasons.AddRange(holders);
        if (unreadable > 0)
        {
            reasons.Add($"{unreadable} process(es) could not be inspected, so a holder of {dirText} cannot be ruled out");
        }

        return new DownCheck(false, string.Join("; ", reasons));
    }
}

/// <summary>The verdict and what it rests on, for the operator.</summary>
internal sealed record DownCheck(bool IsDown, string Evidence);

using EtcdAgent.Configuration;

namespace EtcdAgent.Restore;

/// <summary>
/// What --resume and --rollback take from the command line over the journal. Stop and start commands given now win
/// (the recorded ones may be stale: `kill PID` of a process long gone) and replace the recorded ones, so a later
/// retry uses them too. The member's name and directories never change: the journal knows what it moved where,
/// and a different --data-dir would send the rollback looking in the wrong place, so one that differs is refused.
/// </summary>
internal sealed record ReplayOverrides(string? StopCommand, string? StartCommand, string? Name, string? DataDir, string? WalDir)
{
    /// <summary>Applies the overrides to <paramref name="journal"/> (the caller saves it) and returns a line for each change.</summary>
    public IReadOnlyList<string> ApplyTo(RestoreJournal journal)
    {
        ArgumentNullException.ThrowIfNull(journal);
        var member = journal.Member;
        foreach (var (flag, given, recorded) in new[] { ("--name", Name, member.Name), ("--data-dir", Trim(DataDir), member.DataDir), ("--wal-dir", Trim(WalDir), member.WalDir) })
        {
            if (given is not null && given != recorded)
            {
                throw new ConfigurationException(
                    $"{flag} {given}: restore {journal.Id} was planned for {recorded ?? "none"}, and its journal records what it moved where there. " +
                    $"Drop {flag} (the journal's value stays); to restore another member, finish or roll back this one first, or end it with --abandon.");
            }
        }

        var spec = journal.Topology;
        if ((StopCommand ?? StartCommand) is not null && spec.Kind == "kubeadm")
        {
            throw new ConfigurationException(
                "--stop-command/--start-command: on kubeadm, etcd is stopped and started by moving its static pod manifest, not by a command. Drop them.");
        }

        var notes = new List<string>();
        if (StopCommand is not null && StopCommand != spec.StopCommand)
        {
            notes.Add($"Using --stop-command {StopCommand} (the journal had {spec.StopCommand ?? "none"})");
            spec = spec with { StopCommand = StopCommand };
        }

        if (StartCommand is not null && StartCommand != spec.StartCommand)
        {
            notes.Add($"Using --start-command {StartCommand} (the journal had {spec.StartCommand ?? "none"})");
            spec = spec with { StartCommand = StartCommand };
        }

        journal.Topology = spec;
        return notes;
    }

    private static string? Trim(string? dir) => dir is null ? null : Path.TrimEndingDirectorySeparator(dir);
}

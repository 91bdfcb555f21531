using System.Diagnostics;
using EtcdAgent.Restore.Topology;

namespace EtcdAgent.Restore;

/// <summary>
/// The member's directories during a restore. Everything happens by rename inside the data dir (and inside the WAL
/// dir), because either is often a mount point that cannot itself be renamed, and a rename never crosses a
/// filesystem: &lt;data&gt;/member moves to &lt;data&gt;/.etcd-agent-&lt;id&gt;/old-member, the restore is written to
/// &lt;data&gt;/.etcd-agent-&lt;id&gt;/staged (etcdctl 3.4 refuses an existing data dir, so it must be a new path) and
/// renamed into place. Nothing is ever deleted but the restore's own staging output.
/// </summary>
internal sealed class DataDirs(MemberConfig member, string restoreId)
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private readonly string _prefix = ".etcd-agent-" + restoreId;

    public string Member => Path.Combine(member.DataDir, "member");

    public string Work => Path.Combine(member.DataDir, _prefix);

    public string Staged => Path.Combine(Work, "staged");

    public string OldMember => Path.Combine(Work, "old-member");

    public string? WalWork => member.WalDir is null ? null : Path.Combine(member.WalDir, _prefix);

    public string? StagedWal => WalWork is null ? null : Path.Combine(WalWork, "staged-wal");

    /// <summary>Creates the work dirs (and a missing data dir, owned like its parent); clears a previous attempt's staging.</summary>
    public void PrepareStaging()
    {
        foreach (var (dir, work) in Pairs())
        {
            if (!Directory.Exists(dir))
            {
                Directory.CreateDirectory(dir, OwnerOnly);
                Chown(Path.GetDirectoryName(dir)!, dir);
            }

            Directory.CreateDirectory(work, OwnerOnly);
        }

        foreach (var staged in new[] { Staged, StagedWal })
        {
            if (staged is not null && Directory.Exists(staged))
            {
                Directory.Delete(staged, recursive: true);
            }
        }
    }

    public bool HasOldMember => Directory.Exists(Member) || Directory.Exists(OldMember);

    /// <summary>member/ (and the WAL dir's files) into the work dirs. Repeatable.</summary>
    public void MoveAside()
    {
        if (Directory.Exists(Member))
        {
            if (Directory.Exists(OldMember))
            {
                throw new RestoreStepException(
                    $"{Member} exists again after it was moved aside to {OldMember}: something started etcd in between. Stop it, move {Member} away, and run restore --resume.");
            }

            Directory.Move(Member, OldMember);
        }

        if (member.WalDir is { } wal)
        {
            MoveEntries(wal, Path.Combine(WalWork!, "old-wal"));
        }
    }

    /// <summary>The staged member (and WAL) into place, owned like the data dir. Repeatable.</summary>
    public void Install()
    {
        var stagedMember = Path.Combine(Staged, "member");
        if (Directory.Exists(stagedMember))
        {
            if (Directory.Exists(Member))
            {
                throw new RestoreStepException($"{Member} exists; the restored member cannot be put in place. Move it away and run restore --resume.");
            }

            Directory.Move(stagedMember, Member);
        }
        else if (!Directory.Exists(Member))
        {
            throw new RestoreStepException($"neither {stagedMember} nor {Member} exists: the restore output is gone. Run restore --rollback and start again.");
        }

        File.SetUnixFileMode(Member, OwnerOnly);
        Chown(member.DataDir, Member);
        if (member.WalDir is { } wal)
        {
            MoveEntries(StagedWal!, wal);
            Chown(wal, wal);
        }
    }

    /// <summary>
    /// Rollback of <see cref="Install"/>: the restored member (and WAL files) move into the work dir (kept, not
    /// deleted). Only called, once, when the journal says Install started — which it only does after MoveAside
    /// finished, so whatever is in member/ (and in the WAL dir) now is the restore's, never the old data.
    /// </summary>
    public void UndoInstall()
    {
        if (Directory.Exists(Member))
        {
            Directory.Move(Member, Unused(Path.Combine(Work, "restored-member")));
        }

        if (member.WalDir is { } wal)
        {
            MoveEntries(wal, Unused(Path.Combine(WalWork!, "restored-wal")));
        }
    }

    /// <summary>Rollback of <see cref="MoveAside"/>: the old member and WAL files back where they were, byte for byte.</summary>
    public void UndoMoveAside()
    {
        if (Directory.Exists(OldMember))
        {
            if (Directory.Exists(Member))
            {
                throw new RestoreStepException($"{Member} exists, so the old member in {OldMember} cannot be put back. Move {Member} away and run restore --rollback again.");
            }

            Directory.Move(OldMember, Member);
        }

        if (member.WalDir is { } wal)
        {
            var oldWal = Path.Combine(WalWork!, "old-wal");
            MoveEntries(oldWal, wal);
            if (Directory.Exists(oldWal) && !Directory.EnumerateFileSystemEntries(oldWal).Any())
            {
                Directory.Delete(oldWal); // empty: its files are back
            }
        }
    }

    private IEnumerable<(string Dir, string Work)> Pairs()
    {
        yield return (member.DataDir, Work);
        if (member.WalDir is { } wal)
        {
            yield return (wal, WalWork!);
        }
    }

    /// <summary>Moves every entry of <paramref name="from"/> except restore work dirs into <paramref name="to"/>.</summary>
    private static void MoveEntries(string from, string to)
    {
        if (!Directory.Exists(from))
        {
            return;
        }

        Directory.CreateDirectory(to, OwnerOnly);
        foreach (var entry in Directory.EnumerateFileSystemEntries(from))
        {
            var name = Path.GetFileName(entry);
            if (name.StartsWith(".etcd-agent-", StringComparison.Ordinal))
            {
                continue;
            }

            var target = Path.Combine(to, name);
            if (Directory.Exists(entry))
            {
                Directory.Move(entry, target);
            }
            else
            {
                File.Move(entry, target);
            }
        }
    }

    private static string Unused(string path)
    {
        var candidate = path;
        for (var i = 2; Directory.Exists(candidate); i++)
        {
            candidate = path + "-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return candidate;
    }

    /// <summary>
    /// The restore binary runs as root, but etcd usually does not (Debian's unit has User=etcd): the restored files
    /// get the owner of the directory they live in, or etcd could not open its own data.
    /// </summary>
    private static void Chown(string reference, string target)
    {
        using var process = Process.Start(new ProcessStartInfo("chown") { ArgumentList = { "-R", "--reference=" + reference, target }, RedirectStandardError = true })
                            ?? throw new RestoreStepException("cannot run chown");
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new RestoreStepException($"chown -R --reference={reference} {target} failed: {error.Trim()}");
        }
    }
}

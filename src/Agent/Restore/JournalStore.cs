using EtcdAgent.Storage;

namespace EtcdAgent.Restore;

/// <summary>
/// Journals under &lt;stateDir&gt;/restore/&lt;id&gt;/journal.json, and the lock that keeps two restores apart (an
/// exclusive lock on &lt;stateDir&gt;/restore/lock, released by the kernel if the process dies).
/// </summary>
internal sealed class JournalStore(string stateDir)
{
    public string Root { get; } = Path.Combine(stateDir, "restore");

    public string WorkDir(string id) => Path.Combine(Root, id);

    /// <summary>Takes the restore lock, or explains who holds it.</summary>
    public IDisposable Lock()
    {
        Directory.CreateDirectory(Root);
        File.SetUnixFileMode(Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            // FileShare.None is an flock(LOCK_EX | LOCK_NB) on Linux: held until the handle closes or the process dies.
            return new FileStream(Path.Combine(Root, "lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new Coordination.BusyException(
                $"another etcd-agent restore is running on this node (it holds {Path.Combine(Root, "lock")}): wait for it to finish, or stop it first ({ex.Message})", ex);
        }
    }

    public void Save(RestoreJournal journal)
    {
        var dir = WorkDir(journal.Id);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "journal.json");
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.None))
        {
            stream.Write(journal.ToJson());
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
        DirectorySync.Fsync(dir);
    }

    /// <summary>Every journal, newest first.</summary>
    public IReadOnlyList<RestoreJournal> All()
    {
        if (!Directory.Exists(Root))
        {
            return [];
        }

        return Directory.GetDirectories(Root)
            .Select(d => Path.Combine(d, "journal.json"))
            .Where(File.Exists)
            .Select(Read)
            .OrderByDescending(j => j.StartedAt)
            .ToList();
    }

    /// <summary>
    /// One journal. They are replaced atomically, so an unreadable one was damaged from outside; every restore verb
    /// reads them all, so the message names the way out rather than leaving every command refused.
    /// </summary>
    private RestoreJournal Read(string path)
    {
        try
        {
            return RestoreJournal.Parse(File.ReadAllBytes(path), path);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException(
                $"{ex.Message}. Every restore command reads the journals in {Root}: repair the file, or move its directory out of {Root} by hand (it names what that restore moved where).",
                ex);
        }
    }

    /// <summary>The newest restore (or rollback) that did not finish, if any.</summary>
    public RestoreJournal? Unfinished() => All().FirstOrDefault(j => j.State is JournalState.InProgress or JournalState.RollingBack);
}

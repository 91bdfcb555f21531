using EtcdAgent.Manifests;

namespace EtcdAgent.Snapshots;

/// <summary>What a spool file is to the agent that finds it.</summary>
internal enum SpoolEntryKind
{
    /// <summary>A verified snapshot with its draft manifest: the next backup uploads it as the backup it was.</summary>
    Pending,

    /// <summary>Left by a crashed or killed run and useless: never verified, half written, or its partner is gone.</summary>
    Incomplete,

    /// <summary>A running backup, verify or upload (this process or another) holds it: left alone.</summary>
    InUse,
}

/// <summary>One spool file (a pending pair is one entry: the snapshot, with its draft beside it).</summary>
internal sealed record SpoolEntry(string Path, SpoolEntryKind Kind, long Bytes, string Reason)
{
    /// <summary>The files the entry stands for: a snapshot's draft goes with it.</summary>
    public IEnumerable<string> Files =>
        Path.EndsWith(".db", StringComparison.Ordinal) && File.Exists(Path + SpoolLeftovers.DraftSuffix) ? [Path, Path + SpoolLeftovers.DraftSuffix] : [Path];
}

/// <summary>
/// Sorts the spool (backup.spoolDir) into what a later run can still use and what a crash left behind. The spool
/// holds, per backup id: ID.db.part while the snapshot streams in (AtomicFile, under an exclusive flock), ID.db once
/// it is whole (the pipeline holds a shared flock on it until it is stored or kept), and ID.db.manifest.json, the
/// draft that makes a verified ID.db adoptable after its upload failed; plus `backup verify`'s verify-*.db temp files.
/// Only a verified snapshot with its draft is worth keeping: anything else unlocked is a crash's leftover, and the
/// next tick takes a fresh snapshot anyway.
/// </summary>
internal static class SpoolLeftovers
{
    /// <summary>The draft manifest beside a kept snapshot.</summary>
    public const string DraftSuffix = ".manifest.json";

    public static IReadOnlyList<SpoolEntry> Scan(string spoolDir)
    {
        if (!Directory.Exists(spoolDir))
        {
            return [];
        }

        var files = new DirectoryInfo(spoolDir).GetFiles().OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        var byName = files.ToDictionary(f => f.Name, StringComparer.Ordinal);
        var entries = new List<SpoolEntry>();
        foreach (var file in files)
        {
            var name = file.Name;
            if (name.EndsWith(".part", StringComparison.Ordinal))
            {
                entries.Add(Locked(file.FullName)
                    ? new SpoolEntry(file.FullName, SpoolEntryKind.InUse, file.Length, "being written by a running backup")
                    : new SpoolEntry(file.FullName, SpoolEntryKind.Incomplete, file.Length, "a partly written file of an interrupted run"));
            }
            else if (name.EndsWith(DraftSuffix, StringComparison.Ordinal))
            {
                // Judged with its snapshot below; alone, its snapshot is gone (stored, dropped, or deleted by hand).
                if (!byName.ContainsKey(name[..^DraftSuffix.Length]))
                {
                    entries.Add(new SpoolEntry(file.FullName, SpoolEntryKind.Incomplete, file.Length, "a draft manifest whose snapshot is gone"));
                }
            }
            else if (name.EndsWith(".db", StringComparison.Ordinal))
            {
                entries.Add(Snapshot(file, byName.GetValueOrDefault(name + DraftSuffix)));
            }
        }

        return entries;
    }

    /// <summary>Deletes one incomplete entry (a snapshot with an unreadable draft: both files). Returns the error, or null.</summary>
    public static string? Delete(SpoolEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        try
        {
            foreach (var file in entry.Files.ToList())
            {
                File.Delete(file);
            }

            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ex.Message;
        }
    }

    private static SpoolEntry Snapshot(FileInfo file, FileInfo? draft)
    {
        if (draft is not null)
        {
            try
            {
                var manifest = BackupManifest.Parse(File.ReadAllBytes(draft.FullName), draft.FullName);
                return new SpoolEntry(file.FullName, SpoolEntryKind.Pending, file.Length,
                    $"verified snapshot of backup {manifest.Id} (revision {manifest.Revision}) waiting for the store");
            }
            catch (InvalidDataException ex)
            {
                // A draft cut short by a crash: without its sha256 the snapshot cannot be proven unchanged.
                return new SpoolEntry(file.FullName, SpoolEntryKind.Incomplete, file.Length, $"its draft manifest is unreadable ({ex.Message})");
            }
        }

        return Locked(file.FullName)
            ? new SpoolEntry(file.FullName, SpoolEntryKind.InUse, file.Length, "being verified or uploaded by a running backup")
            : new SpoolEntry(file.FullName, SpoolEntryKind.Incomplete, file.Length, "a snapshot an interrupted run never verified or finished storing (no draft manifest)");
    }

    /// <summary>
    /// Whether a live process holds the file: writers hold an exclusive flock, the pipeline a shared one on a finished
    /// snapshot (.NET's FileShare maps to flock on Linux). Trying an exclusive lock, without waiting, tells.
    /// </summary>
    private static bool Locked(string path)
    {
        try
        {
            using (new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None))
            {
            }

            return false;
        }
        catch (FileNotFoundException)
        {
            return true; // Gone while we looked: someone is working on it.
        }
        catch (IOException)
        {
            return true;
        }
    }
}

using System.Formats.Tar;
using System.Security.Cryptography;
using EtcdAgent.Bundle;
using EtcdAgent.Manifests;
using EtcdAgent.Storage;

namespace EtcdAgent.Restore;

/// <summary>
/// The restore-bundle step and its undo. Each listed path is judged again (the node may have changed since the plan):
/// the same is left alone; a different one is moved aside (<see cref="BundleTargets.Aside"/>) and the bundle's written
/// in its place; a missing one is written, its missing parent directories created. Every change is recorded in the
/// journal (and the journal saved) before it is made, so a repeated step and a rollback know exactly what happened;
/// files are written to a temp name (0600), given their mode and mtime, and renamed, so no half-written key or
/// certificate ever sits under its real name.
/// </summary>
internal sealed class BundleStep(RestoreJournal journal, Action save, TextWriter output)
{
    /// <summary>
    /// Directories the bundle does not list but must exist for a listed file: 0755, as kubeadm (client-go's cert and
    /// key writers) creates /etc/kubernetes/pki; the files in them carry their own modes (keys 0600).
    /// </summary>
    private const UnixFileMode ParentMode = (UnixFileMode)0b111_101_101;

    private BundleJournal Record => journal.Bundle
        ?? throw new RestoreStepException($"restore {journal.Id}'s journal has a bundle step but no bundle record: it was not written by etcd-agent. Roll back or abandon it.");

    /// <summary>Where the plain tar waits for the step: the restore's work dir (0700), as the fetched snapshot does.</summary>
    public static string TarPath(JournalStore store, string restoreId)
    {
        ArgumentNullException.ThrowIfNull(store);
        return Path.Combine(store.WorkDir(restoreId), "bundle.tar");
    }

    public async Task ApplyAsync(string tarPath, CancellationToken cancellationToken)
    {
        var record = Record;
        var targets = new BundleTargets(record.Root, journal.Id, journal.Topology);
        if (!Directory.Exists(targets.Root))
        {
            throw new RestoreStepException($"the bundle root {targets.Root} does not exist: create it (or fix bundle.root), then run restore --resume");
        }

        if (!File.Exists(tarPath))
        {
            throw new RestoreStepException($"{tarPath}, the bundle this restore fetched, is gone: run restore --rollback, then restore again");
        }

        var tar = await File.ReadAllBytesAsync(tarPath, cancellationToken).ConfigureAwait(false);
        var entries = new List<(BundleFile Listed, TarEntry Entry)>();
        try
        {
            if (Convert.ToHexStringLower(SHA256.HashData(tar)) != record.RawSha256)
            {
                throw new RestoreStepException($"{tarPath} is not the bundle this restore planned with (its sha256 changed): run restore --rollback, then restore again");
            }

            entries = await ReadAsync(tar, cancellationToken).ConfigureAwait(false);
            var directories = new List<(string Path, UnixFileMode Mode)>();
            foreach (var (listed, entry) in entries)
            {
                var current = targets.Current(listed.Path);
                targets.RefuseLinkOnTheWay(current);
                var verdict = await BundleVerdict.OfAsync(listed, current, cancellationToken).ConfigureAwait(false);
                if (verdict == BundleVerdict.Same)
                {
                    continue;
                }

                if (verdict == BundleVerdict.Differs)
                {
                    SetAside(listed.Path, current, targets);
                }

                CreateParents(listed.Path, targets);
                await WriteAsync(listed, entry, current, targets, cancellationToken).ConfigureAwait(false);
            }

            // Modes last: a directory archived read-only must not refuse the files written into it. Taken from what the
            // record says this restore wrote, so a step resumed after a crash (the directory now "same") still sets them.
            foreach (var (listed, entry) in entries.Where(e => e.Listed.Type == BundleFile.Directory
                         && record.Actions.Any(a => a.Kind == BundleAction.Written && a.Path == e.Listed.Path)))
            {
                File.SetUnixFileMode(targets.Current(listed.Path), entry.Mode);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(tar);
            foreach (var (_, entry) in entries)
            {
                if (entry.DataStream is MemoryStream data && data.TryGetBuffer(out var buffer))
                {
                    CryptographicOperations.ZeroMemory(buffer.AsSpan());
                }
            }
        }
    }

    /// <summary>
    /// Undoes what the step recorded, newest first: written paths removed (a file only while it is still what was
    /// written, a directory only when empty), set-aside ones moved back. The journal is hostile data here: every
    /// record is checked before anything is touched (a known action on a host path under the root, reached through
    /// no link), and every location is derived from the host path, so a record cannot point a delete elsewhere.
    /// </summary>
    public async Task UndoAsync(CancellationToken cancellationToken)
    {
        var record = Record;
        BundleTargets targets;
        try
        {
            if (record.Root is null || record.Actions is null || record.Actions.Any(a => a?.Path is null || a.Kind is null))
            {
                throw new RestoreStepException("its bundle record has no root, no action list, or an action without a kind or path");
            }

            targets = new BundleTargets(record.Root, journal.Id, journal.Topology);
            foreach (var action in record.Actions)
            {
                if (action.Kind is not (BundleAction.Written or BundleAction.MovedAside))
                {
                    throw new RestoreStepException($"it names an action \"{Output.Echo.Bounded(action.Kind)}\" on {Output.Echo.Bounded(action.Path)}, which the bundle step never records");
                }

                targets.RefuseLinkOnTheWay(targets.Current(action.Path));
                targets.RefuseLinkOnTheWay(action.Kind == BundleAction.Written ? targets.Temp(action.Path) : targets.Aside(action.Path));
            }
        }
        catch (RestoreStepException ex)
        {
            throw new RestoreStepException(
                $"restore {journal.Id}'s journal does not describe what its bundle step did: {ex.Message}. Nothing of the bundle was rolled back. " +
                "Put the control-plane files back by hand, then `etcd-agent restore --abandon`.", ex);
        }

        foreach (var action in Enumerable.Reverse(record.Actions).Where(a => !a.Undone).ToList())
        {
            var current = targets.Current(action.Path);
            if (action.Kind == BundleAction.Written)
            {
                await RemoveWrittenAsync(action, current, targets.Temp(action.Path), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                PutBack(action.Path, current, targets.Aside(action.Path));
            }

            action.Undone = true;
            save();
        }
    }

    private static async Task<List<(BundleFile Listed, TarEntry Entry)>> ReadAsync(byte[] tar, CancellationToken cancellationToken)
    {
        var entries = new List<(BundleFile Listed, TarEntry Entry)>();
        var reader = new TarReader(new MemoryStream(tar, writable: false));
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.GetNextEntryAsync(copyData: true, cancellationToken).ConfigureAwait(false) is { } entry)
            {
                var listed = BundleContents.Listed(entry);
                if (ManifestCheck.BundleFileProblem(listed) is { } problem)
                {
                    throw new RestoreStepException($"the bundle's entry \"{Output.Echo.Bounded(listed.Path)}\" {problem}: nothing more of it is written");
                }

                entries.Add((listed, entry));
            }
        }

        // Parents before their children (a prefix sorts first), whatever order the archive has.
        return entries.OrderBy(e => e.Listed.Path, StringComparer.Ordinal).ToList();
    }

    private void SetAside(string hostPath, string current, BundleTargets targets)
    {
        var aside = targets.Aside(hostPath);
        targets.RefuseLinkOnTheWay(aside);
        if (Exists(aside))
        {
            throw new RestoreStepException(
                $"{current} differs from the bundle, but {aside}, where it would be set aside, exists already: compare the two, keep one at {current}, and run restore --resume");
        }

        Note(BundleAction.MovedAside, hostPath, null);
        Move(current, aside);
        DirectorySync.Fsync(Path.GetDirectoryName(aside)!);
        output.WriteLine($"  {hostPath}: this node's version set aside to {aside}");
    }

    /// <summary>Creates (and records) the missing directories above a host path, top down.</summary>
    private void CreateParents(string hostPath, BundleTargets targets)
    {
        var missing = new Stack<string>();
        for (var parent = HostParent(hostPath); parent != "/"; parent = HostParent(parent))
        {
            var onNode = targets.OnNode(parent);
            if (Directory.Exists(onNode))
            {
                break;
            }

            if (Exists(onNode))
            {
                throw new RestoreStepException($"{onNode} is not a directory, so the bundle's {hostPath} cannot be written below it: move it away and run restore --resume");
            }

            missing.Push(parent);
        }

        while (missing.TryPop(out var parent))
        {
            Note(BundleAction.Written, parent, null);
            Directory.CreateDirectory(targets.OnNode(parent), ParentMode);
            File.SetUnixFileMode(targets.OnNode(parent), ParentMode);
            output.WriteLine($"  {parent}: directory created (0755)");
        }
    }

    private async Task WriteAsync(BundleFile listed, TarEntry entry, string current, BundleTargets targets, CancellationToken cancellationToken)
    {
        var parent = Path.GetDirectoryName(current)!;
        if (!Directory.Exists(parent))
        {
            // Only the kubeadm aside folder can be missing here (its manifests were absent); the start steps create it too.
            Directory.CreateDirectory(parent, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        switch (listed.Type)
        {
            case BundleFile.Directory:
                Note(BundleAction.Written, listed.Path, null);
                Directory.CreateDirectory(current, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                break;
            case BundleFile.Symlink:
                // A link is created atomically under its name: no temp name needed.
                Note(BundleAction.Written, listed.Path, listed);
                File.CreateSymbolicLink(current, listed.LinkTarget!);
                break;
            default:
                var temp = targets.Temp(listed.Path);
                RemoveTemp(temp);
                Note(BundleAction.Written, listed.Path, listed);
                var file = new FileStream(temp, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.Write,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                });
                await using (file.ConfigureAwait(false))
                {
                    if (entry.DataStream is { } data)
                    {
                        await data.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
                    }

                    file.Flush(flushToDisk: true);
                }

                File.SetUnixFileMode(temp, entry.Mode);
                File.SetLastWriteTimeUtc(temp, entry.ModificationTime.UtcDateTime);
                File.Move(temp, current);
                break;
        }

        DirectorySync.Fsync(parent);
        output.WriteLine($"  {listed.Path}: written from the bundle ({listed.Type}, mode {listed.Mode})");
    }

    private async Task RemoveWrittenAsync(BundleAction action, string current, string temp, CancellationToken cancellationToken)
    {
        RemoveTemp(temp);
        var link = new FileInfo(current).LinkTarget;
        if (link is null && Directory.Exists(current))
        {
            if (Directory.EnumerateFileSystemEntries(current).Any())
            {
                output.WriteLine($"  kept {current}: the restore created it, but it holds files the restore did not write");
                return;
            }

            Directory.Delete(current);
        }
        else if (Exists(current))
        {
            // Only what the step wrote, as it wrote it: a file by its recorded sha256, a link by its recorded target.
            // Anything else (the operator replaced it, or the record names no content: a directory that is now a
            // file, a damaged record) is kept and the rollback stops, rather than deleting a file it cannot vouch for.
            var same = link is not null
                ? action.LinkTarget is not null && link == action.LinkTarget
                : action.Sha256 is not null && await BundleVerdict.OfAsync(
                    new BundleFile(action.Path, BundleFile.File, action.Mode ?? "?", action.Size ?? -1, action.Sha256, null), current, cancellationToken).ConfigureAwait(false) == BundleVerdict.Same;
            if (!same)
            {
                throw new RestoreStepException(
                    $"{current} is not what the restore wrote there from the bundle (it changed since), so the rollback does not delete it: move it away (keep it if it matters) and run restore --rollback again");
            }

            File.Delete(current);
        }
        else
        {
            return;
        }

        DirectorySync.Fsync(Path.GetDirectoryName(current)!);
        output.WriteLine($"  {action.Path}: removed what the bundle wrote ({current})");
    }

    private void PutBack(string hostPath, string current, string aside)
    {
        if (!Exists(aside))
        {
            return; // already back (a repeated rollback), or the step stopped before moving it
        }

        if (Exists(current))
        {
            throw new RestoreStepException($"{current} exists, so this node's own {hostPath} in {aside} cannot be put back: move {current} away and run restore --rollback again");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(current)!);
        Move(aside, current);
        DirectorySync.Fsync(Path.GetDirectoryName(current)!);
        output.WriteLine($"  {hostPath}: this node's version put back from {aside}");
    }

    /// <summary>Records a change before it is made (once: a repeated step finds it recorded).</summary>
    private void Note(string kind, string hostPath, BundleFile? file)
    {
        var actions = Record.Actions;
        if (actions.Any(a => a.Kind == kind && a.Path == hostPath))
        {
            return;
        }

        actions.Add(new BundleAction { Kind = kind, Path = hostPath, Sha256 = file?.Sha256, Mode = file?.Mode, Size = file?.Size, LinkTarget = file?.LinkTarget });
        save();
    }

    private static void RemoveTemp(string temp)
    {
        if (new FileInfo(temp).LinkTarget is not null || File.Exists(temp))
        {
            File.Delete(temp);
        }
    }

    /// <summary>Moves a file, link or directory by rename; a link is moved itself, never followed.</summary>
    private static void Move(string from, string to)
    {
        if (new FileInfo(from).LinkTarget is null && Directory.Exists(from))
        {
            Directory.Move(from, to);
        }
        else
        {
            File.Move(from, to);
        }
    }

    /// <summary>Whether anything is at the path, a dangling link included.</summary>
    private static bool Exists(string path) => new FileInfo(path).LinkTarget is not null || File.Exists(path) || Directory.Exists(path);

    private static string HostParent(string hostPath) => hostPath[..Math.Max(hostPath.LastIndexOf('/'), 1)];
}

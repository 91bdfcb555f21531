using System.Globalization;

namespace EtcdAgent.Restore;

/// <summary>
/// Which processes hold a member's directories: an open file (etcd keeps its WAL and bbolt files open for as long as
/// it runs) or a working directory under them, read from /proc/&lt;pid&gt;/fd and /proc/&lt;pid&gt;/cwd. Closed ports alone
/// do not prove etcd is gone (a hung etcd, or one about to bind again); nothing holding its files does.
/// </summary>
internal static class DataDirHolders
{
    /// <summary>One line per holding process ("etcd (pid 812) holds /var/lib/etcd/member/wal/0.wal"), and how many could not be read.</summary>
    public static (IReadOnlyList<string> Holders, int Unreadable) Find(IEnumerable<string> dirs, string procRoot = "/proc")
    {
        ArgumentNullException.ThrowIfNull(dirs);
        var roots = dirs.Select(d => Path.TrimEndingDirectorySeparator(d)).ToList();
        var holders = new List<string>();
        var unreadable = 0;
        foreach (var proc in Directory.EnumerateDirectories(procRoot))
        {
            if (!int.TryParse(Path.GetFileName(proc), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                if (Held(proc, roots) is { } path)
                {
                    holders.Add($"{Command(proc)} (pid {pid.ToString(CultureInfo.InvariantCulture)}) holds {path}");
                }
            }
            catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
            {
                // A process that exited meanwhile, or a zombie (no cwd, no files), holds nothing. Anything else could
                // not be read (restore runs as root, so rare) and cannot be ruled out, so it is counted.
                if (!Gone(proc))
                {
                    unreadable++;
                }
            }
        }

        return (holders, unreadable);
    }

    /// <summary>The first path under one of <paramref name="roots"/> that the process has open or works in, or null.</summary>
    private static string? Held(string proc, List<string> roots)
    {
        if (Link(Path.Combine(proc, "cwd")) is { } cwd && roots.Any(r => Under(cwd, r)))
        {
            return cwd;
        }

        foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Combine(proc, "fd")))
        {
            if (Link(fd) is { } target && roots.Any(r => Under(target, r)))
            {
                return target;
            }
        }

        return null;
    }

    /// <summary>The link's target, or null when it vanished while we looked (a file closed, a zombie's cwd).</summary>
    private static string? Link(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>A deleted file's link reads "PATH (deleted)"; it is still held, under the same directory.</summary>
    private static bool Under(string path, string root) =>
        path == root || path.StartsWith(root + "/", StringComparison.Ordinal);

    private static bool Gone(string proc)
    {
        try
        {
            var stat = File.ReadAllText(Path.Combine(proc, "stat"));
            return stat[(stat.LastIndexOf(')') + 1)..].TrimStart().StartsWith('Z');
        }
        catch (IOException)
        {
            return true;
        }
    }

    private static string Command(string proc)
    {
        try
        {
            return File.ReadAllText(Path.Combine(proc, "comm")).Trim();
        }
        catch (IOException)
        {
            return "?";
        }
    }
}

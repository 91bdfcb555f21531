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
            catch (DirectoryNotFoundException)
            {
                // The process exited while we looked: it holds nothing any more.
            }
            catch (FileNotFoundException)
            {
                // Likewise.
            }
            catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
            {
                // Not ours to read (restore runs as root, so rare): it cannot be ruled out, so it is counted.
                unreadable++;
            }
        }

        return (holders, unreadable);
    }

    /// <summary>The first path under one of <paramref name="roots"/> that the process has open or works in, or null.</summary>
    private static string? Held(string proc, List<string> roots)
    {
        var targets = new List<string?> { new FileInfo(Path.Combine(proc, "cwd")).LinkTarget };
        targets.AddRange(Directory.EnumerateFileSystemEntries(Path.Combine(proc, "fd")).Select(fd => new FileInfo(fd).LinkTarget));
        return targets.OfType<string>().FirstOrDefault(t => roots.Any(r => Under(t, r)));
    }

    /// <summary>A deleted file's link reads "PATH (deleted)"; it is still held, under the same directory.</summary>
    private static bool Under(string path, string root) =>
        path == root || path.StartsWith(root + "/", StringComparison.Ordinal);

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

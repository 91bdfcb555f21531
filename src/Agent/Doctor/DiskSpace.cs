namespace EtcdAgent.Doctor;

/// <summary>Free space where a directory lives (or would live, once created).</summary>
internal static class DiskSpace
{
    /// <summary>statvfs' available bytes (what a non-root writer gets) of the filesystem holding <paramref name="path"/>.</summary>
    public static long Available(string path) => new DriveInfo(path).AvailableFreeSpace;

    /// <summary>The directory itself, or its nearest ancestor that exists: the spool is created on first use.</summary>
    public static string NearestExisting(string path)
    {
        var current = Path.GetFullPath(path);
        while (!Directory.Exists(current) && Path.GetDirectoryName(current) is { } parent)
        {
            current = parent;
        }

        return current;
    }
}

using EtcdAgent.Output;

namespace EtcdAgent.Snapshots;

/// <summary>
/// A local working directory (the spool) ran out of space. Deliberately not an <see cref="IOException"/>: a local
/// directory store turns a disk-full IOException into "the store is full, prune", and a spool failure seen
/// through that store's write callback must never read that way. The message names the directory, what it needed
/// room for and the config key that moves it.
/// </summary>
internal sealed class WorkDirectoryFullException : Exception
{
    /// <param name="role">What the directory is, e.g. "spool directory".</param>
    /// <param name="directory">The directory that is full.</param>
    /// <param name="bytesNeeded">What the failed write needed in all.</param>
    /// <param name="neededFor">What those bytes are, e.g. "a snapshot of this member (etcd's db size)".</param>
    /// <param name="consequence">What did not happen because of it, e.g. "Nothing was stored."</param>
    /// <param name="configKey">The setting that moves the directory.</param>
    /// <param name="innerException">The ENOSPC/EDQUOT.</param>
    public WorkDirectoryFullException(string role, string directory, long bytesNeeded, string neededFor, string consequence, string configKey,
        IOException innerException)
        : base(Describe(role, directory, bytesNeeded, neededFor, consequence, configKey), innerException)
    {
        Directory = directory;
        BytesNeeded = bytesNeeded;
        ConfigKey = configKey;
    }

    public WorkDirectoryFullException()
    {
    }

    public WorkDirectoryFullException(string message)
        : base(message)
    {
    }

    public WorkDirectoryFullException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public string Directory { get; } = string.Empty;

    public long BytesNeeded { get; }

    public string ConfigKey { get; } = string.Empty;

    /// <summary>Bytes free on the filesystem holding <paramref name="directory"/> now (the failed write's partial file is gone), or null.</summary>
    internal static long? FreeBytes(string directory)
    {
        try
        {
            return new DriveInfo(directory).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    private static string Describe(string role, string directory, long bytesNeeded, string neededFor, string consequence, string configKey)
    {
        var free = FreeBytes(directory) is { } bytes ? $"{ByteSize.Format(bytes)} ({bytes} bytes)" : "an unknown amount";
        return $"the {role} {directory} is full: {neededFor} needs {ByteSize.Format(bytesNeeded)} ({bytesNeeded} bytes) there " +
               $"and the filesystem holding it has {free} free. {consequence} Free space on that filesystem or set " +
               $"{configKey} to a directory on one with room (doctor's \"spool disk space\" says how much). This is not " +
               "the store: pruning backups frees nothing here unless they are on the same filesystem.";
    }
}

using System.Runtime.InteropServices;

namespace EtcdAgent.Snapshots;

/// <summary>
/// An exclusive flock on a directory itself: "one backup at a time on this node" without a lock file left in the
/// spool (where every file is meant to be a kept snapshot). The kernel releases it when the process dies, so a
/// crash never leaves it held.
/// </summary>
internal sealed partial class DirectoryLock : IDisposable
{
    private const int OpenReadOnlyCloseOnExec = 0x80000; // O_RDONLY | O_CLOEXEC (same value on x86-64 and arm64)
    private const int LockExclusiveNonBlocking = 2 | 4; // LOCK_EX | LOCK_NB
    private const int WouldBlock = 11; // EWOULDBLOCK (EAGAIN)

    private int _fd;

    private DirectoryLock(int fd) => _fd = fd;

    /// <summary>The lock, or null when another process holds it.</summary>
    public static DirectoryLock? TryTake(string directory)
    {
        var fd = Open(directory, OpenReadOnlyCloseOnExec);
        if (fd < 0)
        {
            throw new IOException($"cannot open {directory} to lock it (errno {Marshal.GetLastPInvokeError()})");
        }

        if (Flock(fd, LockExclusiveNonBlocking) == 0)
        {
            return new DirectoryLock(fd);
        }

        var errno = Marshal.GetLastPInvokeError();
        _ = Close(fd);
        return errno == WouldBlock ? null : throw new IOException($"cannot lock {directory} (errno {errno})");
    }

    public void Dispose()
    {
        if (_fd >= 0)
        {
            _ = Close(_fd);
            _fd = -1;
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(int fd, int operation);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}

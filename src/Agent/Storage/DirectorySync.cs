using System.ComponentModel;
using System.Runtime.InteropServices;

namespace EtcdAgent.Storage;

/// <summary>
/// fsync of a directory, so a rename into it survives a power cut (etcd's fileutil does the same after
/// SaveWithVersion). .NET cannot open a directory as a file, hence the two libc calls.
/// </summary>
internal static partial class DirectorySync
{
    // O_RDONLY opens a directory on Linux. O_DIRECTORY would only add a check, and its value differs between
    // x86 (0x10000) and arm64 (0x4000, where 0x10000 is O_DIRECT): not worth a per-architecture table.
    private const int ORdOnly = 0;

    public static void Fsync(string directory)
    {
        var fd = Open(directory, ORdOnly);
        if (fd < 0)
        {
            throw new IOException($"cannot open directory {directory} to fsync it: {new Win32Exception(Marshal.GetLastPInvokeError()).Message}");
        }

        try
        {
            if (FsyncFd(fd) != 0)
            {
                throw new IOException($"fsync of directory {directory} failed: {new Win32Exception(Marshal.GetLastPInvokeError()).Message}");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FsyncFd(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}

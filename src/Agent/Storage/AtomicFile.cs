using EtcdAgent.Configuration;

namespace EtcdAgent.Storage;

/// <summary>
/// Writes a file so that it either appears whole or not at all: FILE.part 0600 (snapshots hold every Kubernetes
/// Secret), fsync, rename over FILE, fsync the directory; the .part is deleted in finally on any failure (etcd's
/// SaveWithVersion pattern, STYLE.md 5). The .part is held under an exclusive lock (.NET's FileShare.None is
/// flock on Linux): a .part that a crashed run left behind is unlocked and simply reused, while one that a live
/// writer holds is refused — so a crash never blocks the next scheduled run. In Storage because the local store
/// writes its objects with it and the spool, restore journal and CLI output files use it too, all from above.
/// </summary>
internal static class AtomicFile
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const int WriteBufferBytes = 256 * 1024;

    /// <param name="path">The file to write.</param>
    /// <param name="overwrite">Replace an existing file (atomically, once the new one is complete).</param>
    /// <param name="write">Writes the content; its result is returned.</param>
    /// <param name="warn">Told about problems that do not lose the file (the directory fsync failing).</param>
    /// <param name="durable">fsync file and directory. A scratch file that is usually deleted minutes later (the
    /// backup spool) skips it: a 1 GB fsync costs seconds, and <see cref="MakeDurable"/> does it when the file must stay.</param>
    public static async Task<T> WriteAsync<T>(string path, bool overwrite, Func<Stream, Task<T>> write,
        Action<string>? warn = null, bool durable = true)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(directory))
        {
            throw new ConfigurationException($"directory {directory} does not exist; create it or choose another path");
        }

        if (Directory.Exists(full))
        {
            throw new ConfigurationException($"{full} is a directory; give a file path, e.g. {Path.Combine(full, "snapshot.db")}");
        }

        if (File.Exists(full) && !overwrite)
        {
            throw new ConfigurationException($"{full} already exists; choose another path or pass --force to replace it");
        }

        var part = full + ".part";
        var created = false;
        try
        {
            T result;
            if (new FileInfo(part).LinkTarget is not null)
            {
                throw new ConfigurationException($"{part} is a symbolic link; refusing to write through it. Remove it and retry.");
            }

            var options = new FileStreamOptions
            {
                Mode = FileMode.OpenOrCreate,
                // Read too: callers verify what they wrote through this handle before it is renamed into place.
                Access = FileAccess.ReadWrite,
                Share = FileShare.None,
                UnixCreateMode = OwnerOnly,
                // Callers write in small pieces (a snapshot arrives in 32 KiB messages): buffered, a 1 GB snapshot is
                // 4,000 writes, not 33,000 — each a hop to a thread-pool thread, which cost more than the copy (issue 21).
                // 256 KiB, not more: the daemon allocates it per backup, and its idle RSS is counted in MiB.
                BufferSize = WriteBufferBytes,
                Options = FileOptions.Asynchronous,
            };
            FileStream stream;
            try
            {
                stream = new FileStream(part, options);
            }
            catch (IOException ex) when (File.Exists(part))
            {
                throw new Coordination.BusyException(
                    $"{part} is being written by another process (it holds the lock); wait for it or choose another path.", ex);
            }
            catch (UnauthorizedAccessException ex)
            {
                throw new ConfigurationException($"cannot create {part}: permission denied; run as a user that may write to {directory}", ex);
            }

            created = true;
            await using (stream.ConfigureAwait(false))
            {
                // Left by a crashed run, or new: either way ours now, and private.
                stream.SetLength(0);
                File.SetUnixFileMode(part, OwnerOnly);
                result = await write(stream).ConfigureAwait(false);
                await stream.FlushAsync().ConfigureAwait(false);
                if (durable)
                {
                    stream.Flush(flushToDisk: true);
                }
            }

            File.Move(part, full, overwrite);
            created = false;
            if (!durable)
            {
                return result;
            }

            try
            {
                DirectorySync.Fsync(directory);
            }
            catch (IOException ex)
            {
                // The file is complete and in place; only its survival of a power cut right now is unconfirmed.
                warn?.Invoke($"{full} was written, but fsync of {directory} failed ({ex.Message}); its rename may not survive a power cut");
            }

            return result;
        }
        finally
        {
            if (created)
            {
                TryDelete(part);
            }
        }
    }

    /// <summary>fsyncs a file written with durable: false (and its directory), when it turns out it must stay.</summary>
    public static void MakeDurable(string path)
    {
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read))
        {
            stream.Flush(flushToDisk: true);
        }

        DirectorySync.Fsync(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: the original failure is what the operator needs to see.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

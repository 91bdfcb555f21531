using EtcdAgent.Configuration;

namespace EtcdAgent.Snapshots;

/// <summary>
/// Writes a file so that it either appears whole or not at all: FILE.part created 0600 (snapshots hold every
/// Kubernetes Secret), fsync, rename over FILE, fsync the directory; the .part is deleted in finally on any failure
/// (etcd's SaveWithVersion pattern, STYLE.md 5).
/// </summary>
internal static class AtomicFile
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static async Task<T> WriteAsync<T>(string path, bool overwrite, Func<Stream, Task<T>> write)
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
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                UnixCreateMode = OwnerOnly,
                BufferSize = 0,
                Options = FileOptions.Asynchronous,
            };
            FileStream stream;
            try
            {
                stream = new FileStream(part, options);
            }
            catch (IOException ex) when (File.Exists(part))
            {
                throw new ConfigurationException(
                    $"{part} already exists: another snapshot is being written to this path, or a crashed run left it. " +
                    "If no etcd-agent is running, delete it and retry.", ex);
            }
            catch (UnauthorizedAccessException ex)
            {
                throw new ConfigurationException($"cannot create {part}: permission denied; run as a user that may write to {directory}", ex);
            }

            created = true;
            await using (stream.ConfigureAwait(false))
            {
                result = await write(stream).ConfigureAwait(false);
                await stream.FlushAsync().ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(part, full, overwrite);
            created = false;
            DirectorySync.Fsync(directory);
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

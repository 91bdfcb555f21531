using System.Runtime.CompilerServices;

namespace EtcdAgent.Storage;

/// <summary>
/// A directory as a store (a local disk, NFS, the demo's default). Objects are written FILE.part (0600), fsynced and
/// renamed (<see cref="AtomicFile"/>), so a listing never shows a partial object; a .part left by a crash is a
/// pending upload that prune removes. Directories are created 0700: every object holds Kubernetes Secrets.
/// </summary>
internal sealed class LocalDirectoryStore : IObjectStore
{
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private readonly string _root;

    public LocalDirectoryStore(string root) => _root = Path.GetFullPath(root);

    public string Location => _root;

    public Task ProbeAsync(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(_root))
        {
            throw new StoreException(StoreFault.NotFound, $"the store directory {_root} does not exist; create it (mkdir -m 700 {Output.ShellQuote.Quote(_root)}) or fix store.local.path");
        }

        return Task.CompletedTask;
    }

    public async Task<long> UploadAsync(string key, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        string path;
        try
        {
            path = PathOf(key, create: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or StoreException { Fault: StoreFault.NotFound })
        {
            var failure = ex as StoreException ?? (ex is UnauthorizedAccessException
                ? new StoreException(StoreFault.Denied, $"cannot create the folder for {key} under {_root}: permission denied; the store directory must be writable by the agent (root without capabilities under systemd: the owner's write bit counts)", ex)
                : new StoreException(StoreFault.Unavailable, $"cannot create the folder for {key} under {_root}: {ex.Message}", ex));

            // The writer still runs, into a stream that refuses its bytes, as with an S3 store that is down: the
            // backup pipeline then takes and verifies the snapshot and keeps it in the spool for a later run.
            await write(new RefusingStream(failure), cancellationToken).ConfigureAwait(false);
            throw failure;
        }

        try
        {
            return await Guard(key, () => AtomicFile.WriteAsync(path, overwrite: false, async stream =>
            {
                await write(stream, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                return stream.Length;
            })).ConfigureAwait(false);
        }
        catch
        {
            // A failed backup leaves no empty <cluster>/<id>/ folder behind to puzzle the next operator.
            RemoveEmptyParents(Path.GetDirectoryName(path)!);
            throw;
        }
    }

    public Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        UploadAsync(key, (stream, ct) => stream.WriteAsync(content, ct).AsTask(), cancellationToken);

    public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathOf(key, create: false);
        try
        {
            return Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new StoreException(StoreFault.NotFound, $"{path} does not exist in the store {_root}", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new StoreException(StoreFault.Denied, $"cannot read {path}: permission denied; run as the user that owns {_root}", ex);
        }
    }

    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        if (!Directory.Exists(_root))
        {
            throw new StoreException(StoreFault.NotFound, $"the store directory {_root} does not exist; create it (mode 0700) or fix store.local.path");
        }

        foreach (var file in Files())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var key = KeyOf(file.FullName);
            if (!file.Name.EndsWith(".part", StringComparison.Ordinal) && key.StartsWith(prefix, StringComparison.Ordinal))
            {
                yield return new StoredObject(key, file.Length, file.LastWriteTimeUtc);
            }
        }
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathOf(key, create: false);
        try
        {
            File.Delete(path);
            RemoveEmptyParents(Path.GetDirectoryName(path)!);
        }
        catch (DirectoryNotFoundException)
        {
            // Already gone.
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new StoreException(StoreFault.Denied, $"cannot delete {path}: permission denied", ex);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<PendingUpload>> ListPendingUploadsAsync(string prefix, CancellationToken cancellationToken)
    {
        IReadOnlyList<PendingUpload> pending = Directory.Exists(_root)
            ? Files().Where(f => f.Name.EndsWith(".part", StringComparison.Ordinal))
                .Select(f => new PendingUpload(KeyOf(f.FullName[..^".part".Length]), f.FullName, f.LastWriteTimeUtc))
                .Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal))
                .ToList()
            : [];
        return Task.FromResult(pending);
    }

    public Task AbortPendingUploadAsync(PendingUpload upload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(upload);

        // A .part a live writer holds is locked (AtomicFile): deleting it would not stop that writer, so only
        // unlocked ones — left by a crash — are removed.
        try
        {
            using (new FileStream(upload.UploadId, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            {
            }

            File.Delete(upload.UploadId);
        }
        catch (FileNotFoundException)
        {
        }
        catch (IOException ex)
        {
            throw new StoreException(StoreFault.Failed, $"{upload.UploadId} is being written by a running backup; left alone", ex);
        }

        return Task.CompletedTask;
    }

    public Task<DateTimeOffset?> GetRetainUntilAsync(string key, CancellationToken cancellationToken) => Task.FromResult<DateTimeOffset?>(null);

    public void Dispose()
    {
    }

    private IEnumerable<FileInfo> Files() =>
        new DirectoryInfo(_root).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.None });

    private string PathOf(string key, bool create)
    {
        // Keys come from our own layout, but a manifest or flag could carry "..": never leave the root.
        var path = Path.GetFullPath(Path.Combine(_root, key));
        if (!path.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new StoreException(StoreFault.Failed, $"object key \"{key}\" points outside the store {_root}");
        }

        if (create)
        {
            if (!Directory.Exists(_root))
            {
                throw new StoreException(StoreFault.NotFound, $"the store directory {_root} does not exist; create it (mkdir -m 700 {Output.ShellQuote.Quote(_root)}) or fix store.local.path");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(path)!, OwnerOnlyDirectory);
        }

        return path;
    }

    private string KeyOf(string fullPath) => Path.GetRelativePath(_root, fullPath).Replace(Path.DirectorySeparatorChar, '/');

    private void RemoveEmptyParents(string directory)
    {
        while (directory.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal)
               && Directory.Exists(directory) && !Directory.EnumerateFileSystemEntries(directory).Any())
        {
            Directory.Delete(directory);
            directory = Path.GetDirectoryName(directory)!;
        }
    }

    private async Task<T> Guard<T>(string key, Func<Task<T>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new StoreException(StoreFault.Denied, $"cannot write {key} under {_root}: permission denied", ex);
        }
        catch (IOException ex) when (LocalIo.IsDiskFull(ex))
        {
            throw new StoreException(StoreFault.Full, $"the store {_root} is full while writing {key}; free space or prune (etcd-agent backup prune), then retry", ex);
        }
    }

    /// <summary>An upload target that cannot be written: every write fails with the store's reason.</summary>
    private sealed class RefusingStream(StoreException failure) : Codecs.WriteOnlyStream
    {
        public override bool CanWrite => true;

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromException(failure);

        public override void Write(byte[] buffer, int offset, int count) => throw failure;

        public override void Flush()
        {
        }
    }
}

namespace EtcdAgent.Storage;

/// <summary>
/// The one narrow interface to where backups live (STYLE.md 2): S3-compatible storage or a local directory. Keys are
/// relative to the store's root (an S3 store adds its prefix). Implementations translate their failures into
/// <see cref="StoreException"/> with a message an operator can act on.
/// </summary>
internal interface IObjectStore : IDisposable
{
    /// <summary>Where the store is, for messages ("s3://bucket/prefix", "/var/backups/etcd").</summary>
    string Location { get; }

    /// <summary>
    /// A cheap check that the store exists and the credentials work (a one-key listing), so a backup fails before
    /// it takes a snapshot rather than after.
    /// </summary>
    Task ProbeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Streams an object of unknown length: <paramref name="write"/> writes it; the object becomes visible only
    /// when <paramref name="write"/> returns normally. If it throws (or is cancelled) the upload is aborted and the
    /// exception rethrown; nothing partial is listed.
    /// </summary>
    Task<long> UploadAsync(string key, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken);

    /// <summary>Writes a small object (a manifest) in one request.</summary>
    Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>Opens an object for reading; <see cref="StoreFault.NotFound"/> when it does not exist.</summary>
    Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// Opens a backup payload: an object whose every byte the caller hashes and checks against its manifest (sha256
    /// and size). A store may leave out its own check of the transfer, which would only hash the same bytes twice.
    /// </summary>
    Task<Stream> OpenPayloadAsync(string key, CancellationToken cancellationToken) => OpenReadAsync(key, cancellationToken);

    /// <summary>Every object whose key starts with <paramref name="prefix"/>.</summary>
    IAsyncEnumerable<StoredObject> ListAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>Deletes an object; deleting one that does not exist is not an error.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken);

    /// <summary>Uploads started and never completed or aborted; <see cref="StoreFault.NotSupported"/> where unknowable.</summary>
    Task<IReadOnlyList<PendingUpload>> ListPendingUploadsAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>Cleans a pending upload up; <see cref="StoreFault.NotSupported"/> where the store cannot.</summary>
    Task AbortPendingUploadAsync(PendingUpload upload, CancellationToken cancellationToken);

    /// <summary>Until when the store refuses to delete the object (Object Lock); null when it does not.</summary>
    Task<DateTimeOffset?> GetRetainUntilAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// After <see cref="DeleteAsync"/> of <paramref name="key"/>: the bytes the store still holds of it as old versions
    /// (a versioned bucket only adds a delete marker). With <paramref name="deleteOldVersions"/> every version of the
    /// key that the store lets go (not under Object Lock) is deleted first. 0 where the store keeps no versions.
    /// </summary>
    Task<long> OldVersionBytesAsync(string key, bool deleteOldVersions, CancellationToken cancellationToken) => Task.FromResult(0L);

    /// <summary>Versioning and Object Lock of the store's bucket, for doctor.</summary>
    Task<StoreProtection> DescribeProtectionAsync(CancellationToken cancellationToken) => Task.FromResult(StoreProtection.NotApplicable);
}

/// <summary>
/// What the store does with deleted and locked objects. <see cref="Versioned"/>/<see cref="ObjectLockEnabled"/> are
/// null when the store cannot say (it does not implement the request, or it is a directory).
/// </summary>
internal sealed record StoreProtection(bool? Versioned, string Versioning, bool? ObjectLockEnabled, string ObjectLock)
{
    public static readonly StoreProtection NotApplicable = new(null, "not applicable (a directory)", null, "not applicable (a directory)");
}

/// <summary>One object in a listing.</summary>
internal sealed record StoredObject(string Key, long Size, DateTimeOffset LastModified);

/// <summary>An upload that was started and not finished.</summary>
internal sealed record PendingUpload(string Key, string UploadId, DateTimeOffset Started);

/// <summary>
/// An upload stream that can start sending its buffered tail once the writer knows it wrote the last byte, while
/// the object still becomes visible only when the store completes it.
/// </summary>
internal interface IEarlyFinish
{
    /// <summary>Sends what is buffered as the final piece; no writes may follow.</summary>
    Task SendFinalPartAsync(CancellationToken cancellationToken);
}

using EtcdAgent.Configuration;
using Xunit;

namespace EtcdAgent.IntegrationTests.Storage.Conformance;

/// <summary>
/// What the store conformance suite needs from one kind of store: a fresh, empty place to write (a bucket, a
/// directory), the product's settings for it, and the few things only the server's own client can do. One instance
/// is shared by a test class (IClassFixture), so a server starts once per class.
/// </summary>
public interface IStoreServer : IAsyncLifetime
{
    /// <summary>For messages: "s3rver 3.7.1", "Ceph RGW 16", "local directory".</summary>
    string Name { get; }

    /// <summary>What this server implements; a test of a missing feature asserts the documented fallback instead.</summary>
    StoreCapabilities Capabilities { get; }

    /// <summary>Creates a fresh bucket or directory named after <paramref name="name"/> and returns the product's store settings for it.</summary>
    internal Task<StoreOptions> CreateFreshAsync(string name);

    /// <summary>The same store with a wrong secret key; null where the store has no credentials.</summary>
    internal StoreOptions? WithWrongSecret(StoreOptions options);

    /// <summary>
    /// Starts an upload of <paramref name="key"/> (relative to the store's root) and leaves it unfinished, as a
    /// crashed writer would: S3 InitiateMultipartUpload plus one part through the raw SDK; a .part file locally.
    /// </summary>
    internal Task LeavePendingUploadAsync(StoreOptions options, string key);
}

/// <summary>What a store server implements, as far as the product's store contract cares.</summary>
/// <param name="Multipart">Large objects go up as S3 multipart uploads (a directory store writes one .part file).</param>
/// <param name="AbortsUploads">AbortMultipartUpload works (s3rver answers 405).</param>
/// <param name="ListsPendingUploads">ListMultipartUploads works (s3rver answers 501).</param>
/// <param name="PagesListings">A listing longer than one page (1000 keys) continues (s3rver 3.7.1 answers 500 to any truncated listing).</param>
/// <param name="ChecksSignatures">A wrong secret key is refused (s3rver accepts any signature).</param>
/// <param name="HasCredentials">The store has credentials at all.</param>
/// <param name="HasEndpoint">The store is reached over the network.</param>
/// <param name="VersioningAndObjectLock">Versioned buckets and Object Lock exist (s3rver answers GetBucketVersioning with "off" and GetObjectLockConfiguration with 501).</param>
public sealed record StoreCapabilities(
    bool Multipart,
    bool AbortsUploads,
    bool ListsPendingUploads,
    bool PagesListings,
    bool ChecksSignatures,
    bool HasCredentials,
    bool HasEndpoint,
    bool VersioningAndObjectLock);

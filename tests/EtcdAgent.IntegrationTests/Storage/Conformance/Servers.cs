using Amazon.S3;
using Amazon.S3.Model;
using EtcdAgent.Configuration;
using EtcdAgent.IntegrationTests.Fixtures;

namespace EtcdAgent.IntegrationTests.Storage.Conformance;

/// <summary>s3rver 3.7.1: no abort, no upload listing, no signature check (environment.md).</summary>
public sealed class S3rverStoreServer : IStoreServer, IDisposable
{
    private readonly TempDir _dir = new("etcd-agent-conf-s3rver");
    private S3rverNode? _node;
    private AmazonS3Client? _client;

    public string Name => "s3rver 3.7.1";

    public StoreCapabilities Capabilities { get; } = new(Multipart: true, AbortsUploads: false, ListsPendingUploads: false, PagesListings: false,
        ChecksSignatures: false, HasCredentials: true, HasEndpoint: true, VersioningAndObjectLock: false);

    private S3rverNode Node => _node ?? throw new InvalidOperationException("s3rver is not started");

    public async Task InitializeAsync()
    {
        _node = await S3rverNode.StartAsync(_dir);
        _client = RawS3.Client(_node.Endpoint, S3rverNode.AccessKey, S3rverNode.SecretKey);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _client?.Dispose();
        _node?.Dispose();
        _dir.Dispose();
    }

    async Task<StoreOptions> IStoreServer.CreateFreshAsync(string name)
    {
        await _client!.PutBucketAsync(new PutBucketRequest { BucketName = name });
        return new StoreOptions { Kind = StoreKind.S3, S3 = Node.Options() with { Bucket = name } };
    }

    StoreOptions? IStoreServer.WithWrongSecret(StoreOptions options) =>
        options with { S3 = options.S3! with { CredentialsFile = RawS3.CredentialsFile(_dir, S3rverNode.AccessKey, "WRONG-SECRET-KEY") } };

    Task IStoreServer.LeavePendingUploadAsync(StoreOptions options, string key) => RawS3.LeavePendingAsync(_client!, options.S3!, key);
}

/// <summary>Ceph RGW 16: the whole multipart API, checks signatures.</summary>
public sealed class CephRgwStoreServer(CephRgwNode node) : IStoreServer
{

    public string Name => "Ceph RGW 16";

    public StoreCapabilities Capabilities { get; } = new(Multipart: true, AbortsUploads: true, ListsPendingUploads: true, PagesListings: true,
        ChecksSignatures: true, HasCredentials: true, HasEndpoint: true, VersioningAndObjectLock: true);

    private CephRgwNode Node => node;

    // The node belongs to the shared collection fixture, which starts and stops it.
    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => Task.CompletedTask;

    async Task<StoreOptions> IStoreServer.CreateFreshAsync(string name)
    {
        await Node.CreateBucketAsync(name);
        return new StoreOptions { Kind = StoreKind.S3, S3 = Node.Options(name) };
    }

    StoreOptions? IStoreServer.WithWrongSecret(StoreOptions options) =>
        options with { S3 = Node.Options(options.S3!.Bucket, options.S3.Prefix, secretKey: new string('x', 40)) };

    Task IStoreServer.LeavePendingUploadAsync(StoreOptions options, string key) => RawS3.LeavePendingAsync(Node.Client, options.S3!, key);
}

/// <summary>The directory store: no parts, no credentials, no endpoint; pending uploads are .part files.</summary>
public sealed class LocalDirectoryStoreServer : IStoreServer, IDisposable
{
    private readonly TempDir _dir = new("etcd-agent-conf-local");

    public string Name => "local directory";

    public StoreCapabilities Capabilities { get; } = new(Multipart: false, AbortsUploads: true, ListsPendingUploads: true, PagesListings: true,
        ChecksSignatures: false, HasCredentials: false, HasEndpoint: false, VersioningAndObjectLock: false);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _dir.Dispose();

    Task<StoreOptions> IStoreServer.CreateFreshAsync(string name)
    {
        var path = _dir.File(name);
        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return Task.FromResult(new StoreOptions { Kind = StoreKind.Local, LocalPath = path });
    }

    StoreOptions? IStoreServer.WithWrongSecret(StoreOptions options) => null;

    async Task IStoreServer.LeavePendingUploadAsync(StoreOptions options, string key)
    {
        // What AtomicFile leaves when the process dies mid-write: FILE.part, unlocked.
        var path = Path.Combine(options.LocalPath!, key + ".part");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, new byte[1000]);
    }
}

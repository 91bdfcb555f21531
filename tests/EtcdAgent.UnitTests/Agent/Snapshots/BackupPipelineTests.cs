using EtcdAgent.Codecs;
using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Configuration;
using EtcdAgent.Manifests;
using EtcdAgent.Protocol.Etcd;
using EtcdAgent.Snapshots;
using EtcdAgent.Storage;
using EtcdAgent.UnitTests.Agent.Verification;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Snapshots;

/// <summary>
/// The backup pipeline against an in-process etcd that serves a chosen snapshot file, into a local-directory store:
/// what becomes visible when the snapshot is good, and that nothing does when only the structure check can tell it
/// is bad (docs/architecture.md invariant 1).
/// </summary>
public sealed class BackupPipelineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("etcd-agent-pipeline").FullName;

    [Fact]
    public async Task AGoodSnapshotIsStoredWithItsManifestAndDecodesBackToTheSameBytes()
    {
        var snapshot = await File.ReadAllBytesAsync(SnapshotFixture.FixturePath("valid-small.db"));
        await using var etcd = await FakeEtcd.StartAsync(snapshot);
        var keyFile = Path.Combine(_dir, "key");
        var key = EncryptionKey.Generate(keyFile);
        var options = Options(keyFile);
        using var store = new LocalDirectoryStore(Path.Combine(_dir, "store"));
        using var client = new EtcdClient(new EtcdClientOptions { Endpoints = [etcd.Address] });

        var manifest = await new BackupPipeline(options, store, TimeProvider.System, NullLogger.Instance).CreateAsync(client, etcd.Address, default);

        Assert.Equal(73, manifest.Revision);
        Assert.Equal(2474808075u, manifest.Status.Hash);
        Assert.Equal(snapshot.Length, manifest.Raw.Size);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(snapshot)), manifest.Raw.Sha256);
        Assert.Equal(key.IdHex, manifest.Codecs.KeyId);
        Assert.EndsWith("snapshot.db.zst.enc", manifest.Stored.Key, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(options.Backup.SpoolDir));

        var catalog = await BackupCatalog.LoadAsync(store, "unit", default);
        Assert.Equal(manifest.Id, Assert.Single(catalog.Backups).Id);
        await using var stored = await store.OpenReadAsync(manifest.Stored.Key, default);
        var decoded = await ObjectDecoder.OpenAsync(stored, new Keyring([key]), 1 << 30, default);
        using var plain = new MemoryStream();
        await decoded.Plain.CopyToAsync(plain);
        Assert.Equal(snapshot, plain.ToArray());
    }

    [Fact]
    public async Task ASnapshotThatFailsOnlyTheStructureCheckLeavesNothingInTheStore()
    {
        // Valid sha256 trailer, broken bbolt leaf: only the structure walk can tell.
        var snapshot = await File.ReadAllBytesAsync(SnapshotFixture.FixturePath("corrupted-leaf-element.db"));
        await using var etcd = await FakeEtcd.StartAsync(snapshot);
        var options = Options(keyFile: null);
        var storeDir = Path.Combine(_dir, "store");
        using var store = new LocalDirectoryStore(storeDir);
        using var client = new EtcdClient(new EtcdClientOptions { Endpoints = [etcd.Address] });

        var error = await Assert.ThrowsAsync<SnapshotException>(() =>
            new BackupPipeline(options, store, TimeProvider.System, NullLogger.Instance).CreateAsync(client, etcd.Address, default));

        Assert.Equal(SnapshotFault.Corrupt, error.Fault);
        Assert.Contains("structure check", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(storeDir, "*", SearchOption.AllDirectories)); // no payload, no .part, no manifest
        Assert.Empty(Directory.GetFiles(options.Backup.SpoolDir));
    }

    [Fact]
    public async Task AStreamWithABadTrailerLeavesNothingInTheStore()
    {
        var snapshot = await File.ReadAllBytesAsync(SnapshotFixture.FixturePath("valid-small.db"));
        snapshot[^1] ^= 0xFF;
        await using var etcd = await FakeEtcd.StartAsync(snapshot);
        var storeDir = Path.Combine(_dir, "store");
        using var store = new LocalDirectoryStore(storeDir);
        using var client = new EtcdClient(new EtcdClientOptions { Endpoints = [etcd.Address] });

        var error = await Assert.ThrowsAsync<SnapshotException>(() =>
            new BackupPipeline(Options(null), store, TimeProvider.System, NullLogger.Instance).CreateAsync(client, etcd.Address, default));

        Assert.Equal(SnapshotFault.Corrupt, error.Fault);
        Assert.Empty(Directory.GetFiles(storeDir, "*", SearchOption.AllDirectories));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private AgentOptions Options(string? keyFile)
    {
        Directory.CreateDirectory(Path.Combine(_dir, "store"));
        return new AgentOptions
        {
            Cluster = "unit",
            Node = "n1",
            Etcd = new EtcdOptions(),
            Store = new StoreOptions { Kind = StoreKind.Local, LocalPath = Path.Combine(_dir, "store") },
            Backup = new BackupOptions { KeyFile = keyFile, SpoolDir = Path.Combine(_dir, "spool"), Compression = CompressionKind.Zstd },
            Retention = new RetentionOptions(),
        };
    }
}

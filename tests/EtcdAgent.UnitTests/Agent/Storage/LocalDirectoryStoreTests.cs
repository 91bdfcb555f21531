using EtcdAgent.Storage;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Storage;

public sealed class LocalDirectoryStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("etcd-agent-local").FullName;

    [Fact]
    public async Task AFailedUploadLeavesNothingAndASuccessfulOneIsPrivate()
    {
        using var store = new LocalDirectoryStore(_root);
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.UploadAsync("c/id/snapshot.db", async (s, ct) =>
        {
            await s.WriteAsync(new byte[1000], ct);
            throw new InvalidOperationException("encoder failed");
        }, default));
        Assert.Empty(Directory.GetFiles(_root, "*", SearchOption.AllDirectories));

        await store.UploadAsync("c/id/snapshot.db", (s, ct) => s.WriteAsync(new byte[1000], ct).AsTask(), default);
        var path = Path.Combine(_root, "c", "id", "snapshot.db");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
        var listed = new List<StoredObject>();
        await foreach (var item in store.ListAsync("c/", default))
        {
            listed.Add(item);
        }

        Assert.Equal(("c/id/snapshot.db", 1000L), (Assert.Single(listed).Key, listed[0].Size));
    }

    [Fact]
    public async Task ACrashLeftPartIsAPendingUploadThatPruneCanRemove()
    {
        Directory.CreateDirectory(Path.Combine(_root, "c", "id"));
        await File.WriteAllBytesAsync(Path.Combine(_root, "c", "id", "snapshot.db.part"), new byte[10]);
        using var store = new LocalDirectoryStore(_root);

        var pending = Assert.Single(await store.ListPendingUploadsAsync("c/", default));
        Assert.Equal("c/id/snapshot.db", pending.Key);
        await foreach (var item in store.ListAsync("c/", default))
        {
            Assert.Fail($"a .part is never listed as an object: {item.Key}");
        }

        await store.AbortPendingUploadAsync(pending, default);
        Assert.False(File.Exists(Path.Combine(_root, "c", "id", "snapshot.db.part")));
    }

    [Fact]
    public async Task KeysCannotEscapeTheRootAndDeletesTidyEmptyFolders()
    {
        using var store = new LocalDirectoryStore(_root);
        var escape = await Assert.ThrowsAsync<StoreException>(() => store.PutAsync("../outside", new byte[1], default));
        Assert.Contains("outside the store", escape.Message, StringComparison.Ordinal);

        await store.PutAsync("c/id/manifest.json", new byte[1], default);
        await store.DeleteAsync("c/id/manifest.json", default);
        await store.DeleteAsync("c/id/manifest.json", default); // twice is fine
        Assert.Empty(Directory.GetFileSystemEntries(_root));
    }

    [Fact]
    public async Task AMissingRootSaysHowToCreateIt()
    {
        using var store = new LocalDirectoryStore(Path.Combine(_root, "absent"));
        var error = await Assert.ThrowsAsync<StoreException>(() => store.ProbeAsync(default));
        Assert.Equal(StoreFault.NotFound, error.Fault);
        Assert.Contains("mkdir -m 700", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}

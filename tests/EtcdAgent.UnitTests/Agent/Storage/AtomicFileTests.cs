using EtcdAgent.Configuration;
using EtcdAgent.Storage;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Storage;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("atomic-").FullName;

    private string P(string name) => Path.Combine(_dir, name);

    private static Func<Stream, Task<int>> Writes(byte[] bytes) => async s =>
    {
        await s.WriteAsync(bytes);
        return bytes.Length;
    };

    [Fact]
    public async Task WritesTheFileOwnerOnlyAndLeavesNoPart()
    {
        var n = await AtomicFile.WriteAsync(P("snap.db"), overwrite: false, Writes([1, 2, 3]));

        Assert.Equal(3, n);
        Assert.Equal([1, 2, 3], await File.ReadAllBytesAsync(P("snap.db")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(P("snap.db")));
        Assert.False(File.Exists(P("snap.db.part")));
    }

    [Fact]
    public async Task ExistingTargetIsKeptWithoutForce()
    {
        await File.WriteAllBytesAsync(P("snap.db"), [9]);

        var ex = await Assert.ThrowsAsync<ConfigurationException>(() => AtomicFile.WriteAsync(P("snap.db"), false, Writes([1])));

        Assert.Contains("--force", ex.Message, StringComparison.Ordinal);
        Assert.Equal([9], await File.ReadAllBytesAsync(P("snap.db")));
    }

    [Fact]
    public async Task ForceReplacesTheTarget()
    {
        await File.WriteAllBytesAsync(P("snap.db"), [9]);
        await AtomicFile.WriteAsync(P("snap.db"), true, Writes([1, 2]));
        Assert.Equal([1, 2], await File.ReadAllBytesAsync(P("snap.db")));
    }

    [Fact]
    public async Task FailureWhileWritingLeavesNeitherFileNorPartAndKeepsTheOldFile()
    {
        await File.WriteAllBytesAsync(P("snap.db"), [9]);

        await Assert.ThrowsAsync<InvalidOperationException>(() => AtomicFile.WriteAsync<int>(P("snap.db"), true, async s =>
        {
            await s.WriteAsync(new byte[1000]);
            throw new InvalidOperationException("stream broke");
        }));

        Assert.False(File.Exists(P("snap.db.part")));
        Assert.Equal([9], await File.ReadAllBytesAsync(P("snap.db")));
    }

    [Fact]
    public async Task PartLeftByACrashedRunIsReusedNotABlocker()
    {
        await File.WriteAllBytesAsync(P("snap.db.part"), new byte[5000]);
        File.SetUnixFileMode(P("snap.db.part"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        await AtomicFile.WriteAsync(P("snap.db"), false, Writes([1, 2, 3]));

        Assert.Equal([1, 2, 3], await File.ReadAllBytesAsync(P("snap.db")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(P("snap.db")));
        Assert.False(File.Exists(P("snap.db.part")));
    }

    [Fact]
    public async Task PartHeldByALiveWriterIsRefusedAndLeftAlone()
    {
        // FileShare.None takes the same exclusive flock a running etcd-agent holds on its .part.
        await using (var live = new FileStream(P("snap.db.part"), FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            live.WriteByte(7);
            live.Flush();

            var ex = await Assert.ThrowsAsync<EtcdAgent.Coordination.BusyException>(() => AtomicFile.WriteAsync(P("snap.db"), false, Writes([1])));

            Assert.Contains("another process", ex.Message, StringComparison.Ordinal);
        }

        Assert.Equal([7], await File.ReadAllBytesAsync(P("snap.db.part")));
        Assert.False(File.Exists(P("snap.db")));
    }

    [Fact]
    public async Task SymlinkedPartIsRefused()
    {
        File.CreateSymbolicLink(P("snap.db.part"), P("elsewhere"));

        var ex = await Assert.ThrowsAsync<ConfigurationException>(() => AtomicFile.WriteAsync(P("snap.db"), false, Writes([1])));

        Assert.Contains("symbolic link", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(P("elsewhere")));
    }

    [Fact]
    public async Task MissingDirectoryIsAConfigurationError()
    {
        var ex = await Assert.ThrowsAsync<ConfigurationException>(() => AtomicFile.WriteAsync(P("no/such/dir/snap.db"), false, Writes([1])));
        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DiskFullSurfacesAsAnIoErrorRecognisedAsDiskFull()
    {
        // /dev/full answers every write with ENOSPC: the same error a full disk gives.
        await using var full = new FileStream("/dev/full", FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 0);
        var ex = await Assert.ThrowsAnyAsync<IOException>(async () =>
        {
            await full.WriteAsync(new byte[4096]);
            await full.FlushAsync();
        });

        Assert.True(LocalIo.IsDiskFull(ex), $"{ex.HResult}: {ex.Message}");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}

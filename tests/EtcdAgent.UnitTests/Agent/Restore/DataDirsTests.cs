using EtcdAgent.Restore;
using EtcdAgent.Restore.Topology;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Restore;

/// <summary>Moving a member (and a separate WAL dir) aside, installing a restored one, and undoing both, on real directories.</summary>
public sealed class DataDirsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("datadirs").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void MoveAsideInstallAndUndoKeepEveryByte()
    {
        var data = Path.Combine(_root, "data");
        var wal = Path.Combine(_root, "wal");
        Write(Path.Combine(data, "member", "snap", "db"), "old-db");
        Write(Path.Combine(wal, "0000000000000000-0000000000000000.wal"), "old-wal");
        var member = Member(data, wal);
        var dirs = new DataDirs(member, "r1");
        var before = Tree(data) + Tree(wal);

        dirs.PrepareStaging();
        Write(Path.Combine(dirs.Staged, "member", "snap", "db"), "new-db");
        Write(Path.Combine(dirs.StagedWal!, "0000000000000000-0000000000000000.wal"), "new-wal");
        dirs.MoveAside();
        dirs.MoveAside(); // repeatable, as a resumed step must be
        Assert.False(Directory.Exists(Path.Combine(data, "member")));
        Assert.Empty(Directory.GetFiles(wal));
        dirs.Install();
        dirs.Install();
        Assert.Equal("new-db", File.ReadAllText(Path.Combine(data, "member", "snap", "db")));
        Assert.Equal("new-wal", File.ReadAllText(Path.Combine(wal, "0000000000000000-0000000000000000.wal")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(data, "member")));

        dirs.UndoInstall();
        dirs.UndoMoveAside();

        Assert.Equal(before, Tree(data) + Tree(wal));
        Assert.Equal("new-db", File.ReadAllText(Path.Combine(dirs.Work, "restored-member", "snap", "db"))); // kept, not deleted
    }

    [Fact]
    public void AMemberRecreatedAfterMovingAsideIsNotOverwritten()
    {
        var data = Path.Combine(_root, "data");
        Write(Path.Combine(data, "member", "snap", "db"), "old");
        var dirs = new DataDirs(Member(data, null), "r2");
        dirs.PrepareStaging();
        dirs.MoveAside();
        Write(Path.Combine(data, "member", "snap", "db"), "etcd started again");
        var error = Assert.Throws<RestoreStepException>(dirs.MoveAside);
        Assert.Contains("something started etcd in between", error.Message, StringComparison.Ordinal);
        Assert.Throws<RestoreStepException>(dirs.UndoMoveAside);
        Assert.Equal("old", File.ReadAllText(Path.Combine(dirs.OldMember, "snap", "db")));
    }

    [Fact]
    public void AMissingDataDirIsCreatedPrivate()
    {
        var data = Path.Combine(_root, "fresh", "data");
        Directory.CreateDirectory(Path.GetDirectoryName(data)!);
        var dirs = new DataDirs(Member(data, null), "r3");
        dirs.PrepareStaging();
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(data));
        Assert.False(dirs.HasOldMember);
        Assert.Throws<RestoreStepException>(dirs.Install); // nothing staged and nothing in place
    }

    private static MemberConfig Member(string data, string? wal) => new()
    {
        Name = "m1",
        DataDir = data,
        WalDir = wal,
        PeerUrls = [new Uri("http://127.0.0.1:2380")],
        ListenPeerUrls = [new Uri("http://127.0.0.1:2380")],
        ListenClientUrls = [new Uri("http://127.0.0.1:2379")],
        ClientUrls = [new Uri("http://127.0.0.1:2379")],
        Source = "test",
    };

    private static void Write(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private static string Tree(string root) => string.Join("\n", Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)
        .Where(p => !Path.GetRelativePath(root, p).StartsWith(".etcd-agent-", StringComparison.Ordinal))
        .Order(StringComparer.Ordinal)
        .Select(p => Path.GetRelativePath(root, p) + (File.Exists(p) ? "=" + File.ReadAllText(p) : "/")));
}

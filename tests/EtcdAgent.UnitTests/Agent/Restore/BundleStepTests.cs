using System.Formats.Tar;
using System.Security.Cryptography;
using EtcdAgent.Restore;
using EtcdAgent.Restore.Topology;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Restore;

/// <summary>
/// The restore-bundle step on a temp root: a differing file and a dangling link set aside and put back exactly, and a
/// rollback that treats the journal as hostile — a path outside the root, a link on the way, an action the step never
/// records, a file changed since it was written — refused before anything is touched.
/// </summary>
public sealed class BundleStepTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bundle-step").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string RestoreId = "20261202T010203Z-ab12";

    private string Root => Path.Combine(_dir, "root");

    [Fact]
    public async Task ADifferingFileAndLinkAreSetAsideAndTheRollbackPutsThemBackExactly()
    {
        var k = Path.Combine(Root, "etc/k");
        Directory.CreateDirectory(k);
        await File.WriteAllTextAsync(Path.Combine(k, "a"), "the node's");
        File.SetUnixFileMode(Path.Combine(k, "a"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.CreateSymbolicLink(Path.Combine(k, "l"), "elsewhere"); // dangling: moved as a link, never followed
        var (journal, tar) = await JournalWithTarAsync();
        var step = new BundleStep(journal, () => { }, TextWriter.Null);

        await step.ApplyAsync(tar, CancellationToken.None);

        Assert.Equal("the bundle's", await File.ReadAllTextAsync(Path.Combine(k, "a")));
        Assert.Equal((UnixFileMode)0b110_100_000, File.GetUnixFileMode(Path.Combine(k, "a")));
        Assert.Equal(new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc), File.GetLastWriteTimeUtc(Path.Combine(k, "a")));
        Assert.Equal("nowhere", new FileInfo(Path.Combine(k, "l")).LinkTarget);
        Assert.Equal("the bundle's new", await File.ReadAllTextAsync(Path.Combine(Root, "etc/n/new")));
        Assert.Equal("the node's", await File.ReadAllTextAsync(Path.Combine(k, $".etcd-agent-{RestoreId}.a")));
        Assert.Equal("elsewhere", new FileInfo(Path.Combine(k, $".etcd-agent-{RestoreId}.l")).LinkTarget);

        await step.ApplyAsync(tar, CancellationToken.None); // a repeated step finds everything the same
        await step.UndoAsync(CancellationToken.None);

        Assert.Equal("the node's", await File.ReadAllTextAsync(Path.Combine(k, "a")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(k, "a")));
        Assert.Equal("elsewhere", new FileInfo(Path.Combine(k, "l")).LinkTarget);
        Assert.False(Directory.Exists(Path.Combine(Root, "etc/n")));
        Assert.Equal(["a", "l"], Directory.GetFileSystemEntries(k).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.All(journal.Bundle!.Actions, a => Assert.True(a.Undone));
    }

    [Theory]
    [InlineData("written", "/../outside/victim")]
    [InlineData("written", "relative/victim")]
    [InlineData("deleted", "/etc/victim")]
    [InlineData("written", "/via-link/victim")]
    public async Task ARollbackRefusesARecordTheStepCouldNotHaveWrittenAndTouchesNothing(string kind, string path)
    {
        var outside = Path.Combine(_dir, "outside");
        Directory.CreateDirectory(outside);
        await File.WriteAllTextAsync(Path.Combine(outside, "victim"), "keep");
        Directory.CreateDirectory(Path.Combine(Root, "etc"));
        await File.WriteAllTextAsync(Path.Combine(Root, "etc/victim"), "keep");
        await File.WriteAllTextAsync(Path.Combine(Root, "etc/written"), "x");
        File.CreateSymbolicLink(Path.Combine(Root, "via-link"), outside);
        var journal = Journal([
            new BundleAction { Kind = BundleAction.Written, Path = "/etc/written" },
            new BundleAction { Kind = kind, Path = path },
        ]);

        var error = await Assert.ThrowsAsync<RestoreStepException>(() => new BundleStep(journal, () => { }, TextWriter.Null).UndoAsync(CancellationToken.None));

        Assert.Contains("does not describe what its bundle step did", error.Message, StringComparison.Ordinal);
        Assert.Equal("keep", await File.ReadAllTextAsync(Path.Combine(outside, "victim")));
        Assert.Equal("keep", await File.ReadAllTextAsync(Path.Combine(Root, "etc/victim")));
        Assert.True(File.Exists(Path.Combine(Root, "etc/written"))); // checked before anything is undone
    }

    [Fact]
    public async Task AFileChangedSinceTheStepWroteItIsNotDeleted()
    {
        Directory.CreateDirectory(Path.Combine(Root, "etc"));
        await File.WriteAllTextAsync(Path.Combine(Root, "etc/conf"), "edited after the restore");
        var journal = Journal([
            new BundleAction { Kind = BundleAction.Written, Path = "/etc/conf", Sha256 = Sha256("written"), Mode = "0644", Size = 7 },
        ]);

        var error = await Assert.ThrowsAsync<RestoreStepException>(() => new BundleStep(journal, () => { }, TextWriter.Null).UndoAsync(CancellationToken.None));

        Assert.Contains("is not what the restore wrote there", error.Message, StringComparison.Ordinal);
        Assert.Equal("edited after the restore", await File.ReadAllTextAsync(Path.Combine(Root, "etc/conf")));
    }

    [Theory]
    [InlineData("file without a hash")]
    [InlineData("link pointing elsewhere now")]
    [InlineData("link without a recorded target")]
    public async Task AWrittenPathIsDeletedOnlyWhenTheRecordVouchesForItsContent(string kind)
    {
        Directory.CreateDirectory(Path.Combine(Root, "etc"));
        var onNode = Path.Combine(Root, "etc/thing");
        BundleAction action;
        if (kind.StartsWith("file", StringComparison.Ordinal))
        {
            await File.WriteAllTextAsync(onNode, "an operator's file");
            action = new BundleAction { Kind = BundleAction.Written, Path = "/etc/thing" }; // a damaged record: no sha256
        }
        else
        {
            File.CreateSymbolicLink(onNode, "the operator's target");
            action = new BundleAction { Kind = BundleAction.Written, Path = "/etc/thing", LinkTarget = kind.Contains("elsewhere", StringComparison.Ordinal) ? "the bundle's target" : null };
        }

        var error = await Assert.ThrowsAsync<RestoreStepException>(() => new BundleStep(Journal([action]), () => { }, TextWriter.Null).UndoAsync(CancellationToken.None));

        Assert.Contains("is not what the restore wrote there", error.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(onNode) || new FileInfo(onNode).LinkTarget is not null);
    }

    [Theory]
    [InlineData("r1/../../../../tmp/")]
    [InlineData("../x")]
    [InlineData("")]
    public async Task ARestoreIdThatCouldNameAPathElsewhereIsRefused(string id)
    {
        Directory.CreateDirectory(Path.Combine(Root, "etc"));
        await File.WriteAllTextAsync(Path.Combine(Root, "etc/a"), "the node's");
        var journal = Journal([new BundleAction { Kind = BundleAction.MovedAside, Path = "/etc/a" }]) with { Id = id };

        var error = await Assert.ThrowsAsync<RestoreStepException>(() => new BundleStep(journal, () => { }, TextWriter.Null).UndoAsync(CancellationToken.None));

        Assert.Contains("is not one etcd-agent makes", error.Message, StringComparison.Ordinal);
        Assert.Equal("the node's", await File.ReadAllTextAsync(Path.Combine(Root, "etc/a")));
    }

    private RestoreJournal Journal(List<BundleAction> actions, string rawSha256 = "00") =>
        JournalSamples.Journal(_dir, new TopologySpec("explicit", null, null, null, null)) with
        {
            Id = RestoreId,
            Bundle = new BundleJournal { BackupId = "b1", Node = "n1", Root = Root, RawSha256 = rawSha256, Planned = [], Actions = actions },
        };

    private async Task<(RestoreJournal Journal, string Tar)> JournalWithTarAsync()
    {
        using var archive = new MemoryStream();
        var writer = new TarWriter(archive, TarEntryFormat.Pax, leaveOpen: true);
        await using (writer)
        {
            await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, "etc/k") { Mode = (UnixFileMode)0b111_101_101 });
            await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, "etc/k/a")
            {
                Mode = (UnixFileMode)0b110_100_000,
                ModificationTime = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero),
                DataStream = new MemoryStream("the bundle's"u8.ToArray()),
            });
            await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.SymbolicLink, "etc/k/l") { LinkName = "nowhere", Mode = (UnixFileMode)0b111_111_111 });
            await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, "etc/n/new") { Mode = (UnixFileMode)0b110_000_000, DataStream = new MemoryStream("the bundle's new"u8.ToArray()) });
        }

        var tar = Path.Combine(_dir, "bundle.tar");
        await File.WriteAllBytesAsync(tar, archive.ToArray());
        return (Journal([], Convert.ToHexStringLower(SHA256.HashData(archive.ToArray()))), tar);
    }

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
}

using EtcdAgent.Manifests;
using EtcdAgent.Snapshots;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Snapshots;

/// <summary>How the spool's files are sorted into adoptable, leftover and in use (the daemon and doctor act on it).</summary>
public sealed class SpoolLeftoversTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("spool-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    [Fact]
    public void AMissingSpoolHasNothing() => Assert.Empty(SpoolLeftovers.Scan(P("absent")));

    [Fact]
    public void AVerifiedSnapshotWithItsDraftIsPendingAsOneEntry()
    {
        File.WriteAllBytes(P("b1.db"), new byte[100]);
        File.WriteAllBytes(P("b1.db.manifest.json"), Draft("b1").ToJson());

        var entry = Assert.Single(SpoolLeftovers.Scan(_dir));

        Assert.Equal((P("b1.db"), SpoolEntryKind.Pending, 100L), (entry.Path, entry.Kind, entry.Bytes));
        Assert.Contains("backup b1 (revision 7)", entry.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void WhatACrashLeavesIsIncompleteAndDeletingASnapshotTakesItsUnreadableDraft()
    {
        File.WriteAllBytes(P("a.db.part"), new byte[10]);
        File.WriteAllBytes(P("b.db"), new byte[10]);
        File.WriteAllBytes(P("c.db"), new byte[10]);
        File.WriteAllText(P("c.db.manifest.json"), "{\"formatVersion\": 1, \"id\"");
        File.WriteAllText(P("d.db.manifest.json"), "{}");
        File.WriteAllText(P("notes.txt"), "not ours");

        var entries = SpoolLeftovers.Scan(_dir);

        Assert.Equal([P("a.db.part"), P("b.db"), P("c.db"), P("d.db.manifest.json")], entries.Select(e => e.Path));
        Assert.All(entries, e => Assert.Equal(SpoolEntryKind.Incomplete, e.Kind));
        Assert.Contains("unreadable", entries[2].Reason, StringComparison.Ordinal);
        Assert.All(entries, e => Assert.Null(SpoolLeftovers.Delete(e)));
        Assert.Equal([P("notes.txt")], Directory.GetFiles(_dir));
    }

    [Fact]
    public void FilesALiveProcessHoldsAreInUse()
    {
        File.WriteAllBytes(P("w.db.part"), new byte[10]);
        File.WriteAllBytes(P("v.db"), new byte[10]);
        using var writer = new FileStream(P("w.db.part"), FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        using var verifier = new FileStream(P("v.db"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

        var entries = SpoolLeftovers.Scan(_dir);

        Assert.Equal(2, entries.Count);
        Assert.All(entries, e => Assert.Equal(SpoolEntryKind.InUse, e.Kind));
    }

    private static BackupManifest Draft(string id) => new()
    {
        FormatVersion = 1,
        Id = id,
        Cluster = new ClusterInfo("c", "1"),
        Source = new SourceInfo("1", "m1", "http://x"),
        Members = [],
        EtcdVersion = "3.4.23",
        Revision = 7,
        RaftIndex = 1,
        RaftTerm = 1,
        Status = new StatusInfo(1, 7, 1, 1, 1),
        Raw = new ContentInfo("00", 100),
        Stored = new StoredInfo(string.Empty, string.Empty, 0),
        Codecs = new CodecInfo("zstd", 1, null, null),
        CreatedAt = DateTimeOffset.UnixEpoch,
        DurationSeconds = 1,
        AgentVersion = "test",
        Node = "n1",
    };
}

using EtcdAgent.Manifests;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Manifests;

public sealed class ManifestCheckTests
{
    private static readonly DateTimeOffset Created = new(2026, 11, 30, 10, 0, 0, TimeSpan.Zero);
    private static readonly string Id = BackupLayout.NewId(Created, "n1", 100);
    private static readonly string Sha = new('b', 64);

    [Fact]
    public void ProblemIsNullForTheManifestThePipelineWrites() =>
        Assert.Null(ManifestCheck.Problem(Sound(), "c", BackupLayout.ManifestKey("c", Id)));

    [Theory]
    [InlineData("c/OTHER/snapshot.db.zst", "outside")]
    [InlineData("c/ID/../OTHER/snapshot.db.zst", "\"..\"")]
    [InlineData("c/ID//snapshot.db.zst", "empty")]
    [InlineData("c/ID/./snapshot.db.zst", "\".\"")]
    [InlineData("/c/ID/snapshot.db.zst", "outside")]
    [InlineData("d/ID/snapshot.db.zst", "outside")]
    [InlineData("c/ID/manifest.json", "manifest itself")]
    [InlineData("c/ID/a\\..\\b", "backslash")]
    [InlineData("c/ID/", "empty")]
    [InlineData("", "missing")]
    public void ProblemNamesAStoredKeyOutsideTheBackupsOwnFolder(string key, string expected)
    {
        var manifest = Sound() with { Stored = new StoredInfo(key.Replace("ID", Id, StringComparison.Ordinal), Sha, 10) };

        var problem = ManifestCheck.Problem(manifest, "c", BackupLayout.ManifestKey("c", Id));

        Assert.NotNull(problem);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ProblemNamesAnIdThatIsNotTheFolderItWasReadFrom()
    {
        var other = BackupLayout.NewId(Created.AddHours(1), "n1", 200);

        Assert.Contains("claims id", ManifestCheck.Problem(Sound(), "c", BackupLayout.ManifestKey("c", other)), StringComparison.Ordinal);
        Assert.Contains("lies at", ManifestCheck.Problem(Sound(), "c", $"c/{Id}/deeper/manifest.json"), StringComparison.Ordinal);
        Assert.Contains("names cluster", ManifestCheck.Problem(Sound() with { Cluster = new ClusterInfo("d", "1") }, "c", BackupLayout.ManifestKey("c", Id)), StringComparison.Ordinal);
    }

    [Fact]
    public void ProblemNamesFieldsThatDisagreeWithTheId()
    {
        var key = BackupLayout.ManifestKey("c", Id);

        Assert.Contains("createdAt", ManifestCheck.Problem(Sound() with { CreatedAt = Created.AddYears(5) }, "c", key), StringComparison.Ordinal);
        Assert.Contains("revision", ManifestCheck.Problem(Sound() with { Revision = 5, Status = new StatusInfo(1, 5, 1, 1, 1) }, "c", key), StringComparison.Ordinal);
        Assert.Contains("sha256", ManifestCheck.Problem(Sound() with { Raw = new ContentInfo("00", 1) }, "c", key), StringComparison.Ordinal);
        Assert.Contains("negative", ManifestCheck.Problem(Sound() with { Stored = new StoredInfo($"c/{Id}/snapshot.db", Sha, -1) }, "c", key), StringComparison.Ordinal);
    }

    [Fact]
    public void BoundedCutsLongValues()
    {
        var echoed = ManifestCheck.Bounded(new string('x', 5_000_000));

        Assert.True(echoed.Length < 120);
        Assert.Contains("5000000 characters", echoed, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseRefusesANullWhereTheFormatRequiresAValue()
    {
        var json = System.Text.Encoding.UTF8.GetString(Sound().ToJson()).Replace("\"stored\": {", "\"stored\": null, \"x\": {", StringComparison.Ordinal);

        Assert.Throws<InvalidDataException>(() => BackupManifest.Parse(System.Text.Encoding.UTF8.GetBytes(json), "m"));
    }

    private static BackupManifest Sound() => new()
    {
        FormatVersion = 1,
        Id = Id,
        Cluster = new ClusterInfo("c", "1"),
        Source = new SourceInfo("1", "m1", "http://x"),
        Members = [],
        EtcdVersion = "3.4.23",
        Revision = 101,
        RaftIndex = 1,
        RaftTerm = 1,
        Status = new StatusInfo(1, 101, 1, 1, 1),
        Raw = new ContentInfo(Sha, 1),
        Stored = new StoredInfo($"c/{Id}/snapshot.db.zst", Sha, 10),
        Codecs = new CodecInfo("zstd", 1, null, null),
        CreatedAt = Created,
        DurationSeconds = 1,
        AgentVersion = "test",
        Node = "n1",
    };
}

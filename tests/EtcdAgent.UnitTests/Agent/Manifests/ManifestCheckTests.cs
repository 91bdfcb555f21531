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
        Assert.Contains("sha256", ManifestCheck.Problem(Sound() with { Raw = new ContentInfo("00", 1) }, "c", key), StringComparison.Ordinal);
        Assert.Contains("negative", ManifestCheck.Problem(Sound() with { Stored = new StoredInfo($"c/{Id}/snapshot.db", Sha, -1) }, "c", key), StringComparison.Ordinal);
    }

    [Fact]
    public void ABundleThePipelineWritesIsSound() =>
        Assert.Null(ManifestCheck.Problem(Sound() with { Bundle = SoundBundle() }, "c", BackupLayout.ManifestKey("c", Id)));

    [Theory]
    [InlineData("key", "c/OTHER/bundle.tar.zst.enc", "lies outside")]
    [InlineData("key", "c/ID/snapshot.db.zst", "the snapshot's own object")]
    [InlineData("keyId", "", "names no encryption key")]
    [InlineData("sha256", "00", "not 64 hex digits")]
    [InlineData("path", "etc/kubernetes/pki/ca.key", "not an absolute path")]
    [InlineData("path", "/etc/kubernetes/../cron.d/evil", "\"..\" part")]
    [InlineData("path", "/etc/kubernetes//ca.key", "empty")]
    [InlineData("path", "/etc/kubernetes/pki/ca\nkey", "control character")]
    [InlineData("path", "/", "not an absolute path")]
    [InlineData("type", "fifo", "has type")]
    [InlineData("mode", "755", "4 octal digits")]
    [InlineData("mode", "0855", "4 octal digits")]
    [InlineData("fileSha256", "", "does not fit its type")]
    [InlineData("link", "", "a link without a target")]
    [InlineData("twice", "", "twice")]
    [InlineData("node", "n2", "not the node that took the backup")]
    [InlineData("missing", "/etc/kubernetes/\u001b[2Jx.conf", "control character")]
    public void ABundleThatCouldWriteOutsideItsPlaceOrIsMalformedMakesTheManifestDamaged(string field, string value, string expected)
    {
        var bundle = SoundBundle();
        var file = bundle.Files[0];
        value = value.Replace("ID", Id, StringComparison.Ordinal).Replace("\\n", "\n", StringComparison.Ordinal);
        bundle = field switch
        {
            "key" => bundle with { Key = value },
            "keyId" => bundle with { KeyId = value },
            "sha256" => bundle with { Sha256 = value },
            "link" => bundle with { Files = [bundle.Files[1] with { LinkTarget = value }] },
            "twice" => bundle with { Files = [file, file] },
            "node" => bundle with { Node = value },
            "missing" => bundle with { Missing = [value] },
            _ => bundle with
            {
                Files =
                [
                    field switch
                    {
                        "path" => file with { Path = value },
                        "type" => file with { Type = value },
                        "mode" => file with { Mode = value },
                        _ => file with { Sha256 = null },
                    },
                ],
            },
        };

        var problem = ManifestCheck.Problem(Sound() with { Bundle = bundle }, "c", BackupLayout.ManifestKey("c", Id));

        Assert.NotNull(problem);
        Assert.StartsWith("its bundle", problem, StringComparison.Ordinal);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void AManifestWithABundleRoundTripsAndANullFileInItIsRefused()
    {
        var manifest = Sound() with { Bundle = SoundBundle() };
        var parsed = BackupManifest.Parse(manifest.ToJson(), "m").Bundle!;
        Assert.Equal(manifest.Bundle.Files, parsed.Files);
        Assert.Equal(manifest.Bundle.Missing, parsed.Missing);
        Assert.Equal(manifest.Bundle with { Files = [], Missing = [], Skipped = [] }, parsed with { Files = [], Missing = [], Skipped = [] });
        Assert.Null(BackupManifest.Parse((Sound() with { Bundle = null }).ToJson(), "m").Bundle);

        var json = System.Text.Encoding.UTF8.GetString(manifest.ToJson()).Replace("\"files\": [", "\"files\": [null, ", StringComparison.Ordinal);
        Assert.Contains("bundle.files", Assert.Throws<InvalidDataException>(() => BackupManifest.Parse(System.Text.Encoding.UTF8.GetBytes(json), "m")).Message, StringComparison.Ordinal);
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

    private static BundleInfo SoundBundle() => new($"c/{Id}/bundle.tar.zst.enc", Sha, 100, Sha, 300, "0123456789abcdef", "n1",
        [new BundleFile("/etc/kubernetes/pki/ca.key", BundleFile.File, "0600", 1675, Sha, null), new BundleFile("/etc/kubernetes/pki/link", BundleFile.Symlink, "0777", 0, null, "ca.key")],
        ["/etc/kubernetes/absent.conf"], []);

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

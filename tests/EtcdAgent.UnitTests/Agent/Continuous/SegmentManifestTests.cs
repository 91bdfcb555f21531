using System.Text;
using EtcdAgent.Configuration;
using EtcdAgent.Continuous;
using EtcdAgent.Manifests;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Continuous;

public sealed class SegmentManifestTests
{
    private const string Cluster = "prod";
    private const string BaseId = "20261201T100000Z-cp1-r100";
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 10, 0, 5, TimeSpan.Zero);

    internal static SegmentManifest Segment(long first, long last, string baseId = BaseId, long baseRevision = 100, DateTimeOffset? at = null) => new()
    {
        FormatVersion = 1,
        Cluster = Cluster,
        Base = baseId,
        BaseRevision = baseRevision,
        FirstRevision = first,
        LastRevision = last,
        FirstReceivedAt = at ?? T0.AddSeconds(first),
        LastReceivedAt = at ?? T0.AddSeconds(last),
        Raw = new ContentInfo(new string('a', 64), 100),
        Stored = new StoredInfo(SegmentLayout.PayloadKey(Cluster, baseId, first, last, CompressionKind.Zstd, encrypted: true), new string('b', 64), 90),
        Codecs = new CodecInfo("zstd", 1, "aes-256-gcm", "0123456789abcdef"),
        Node = "cp1",
        AgentVersion = "0.5.0",
    };

    private static SegmentManifest RoundTrip(SegmentManifest manifest, string? key = null) =>
        SegmentManifest.Parse(manifest.ToJson(), Cluster, key ?? SegmentLayout.ManifestKey(Cluster, manifest.Base, manifest.FirstRevision, manifest.LastRevision));

    [Fact]
    public void AManifestRoundTripsAndItsNameSortsByRevision()
    {
        var segment = Segment(101, 140);
        Assert.Equal(segment, RoundTrip(segment));
        Assert.Equal("prod/20261201T100000Z-cp1-r100/segments/0000000000000000101-0000000000000000140.json",
            SegmentLayout.ManifestKey(Cluster, BaseId, 101, 140));
        Assert.True(string.CompareOrdinal(SegmentLayout.Name(999, 1000), SegmentLayout.Name(1001, 1002)) < 0);
        Assert.True(SegmentLayout.IsManifestKey(Cluster, SegmentLayout.ManifestKey(Cluster, BaseId, 101, 140)));
        Assert.False(SegmentLayout.IsManifestKey(Cluster, BackupLayout.ManifestKey(Cluster, BaseId)));

        // A later segment names the one it continues.
        var next = Segment(141, 150) with { Previous = SegmentLayout.Name(101, 140) };
        Assert.Equal(next, RoundTrip(next));
        Assert.True(SegmentLayout.TryParseName(next.Previous!, out var previous));
        Assert.Equal((101L, 140L), previous);
        Assert.False(SegmentLayout.TryParseName("101-140", out _));
        Assert.False(SegmentLayout.TryParseName("+000000000000000101-0000000000000000140", out _));
    }

    [Theory]
    [InlineData("payload elsewhere")]
    [InlineData("payload traversal")]
    [InlineData("other cluster")]
    [InlineData("base mismatch")]
    [InlineData("before base")]
    [InlineData("inverted")]
    [InlineData("renamed")]
    [InlineData("bad sha")]
    [InlineData("times inverted")]
    [InlineData("no previous")]
    [InlineData("wrong previous")]
    [InlineData("junk previous")]
    [InlineData("previous on the first")]
    public void EditedManifestsAreRefused(string edit)
    {
        var good = Segment(101, 140);
        var key = SegmentLayout.ManifestKey(Cluster, BaseId, 101, 140);
        var (manifest, at) = edit switch
        {
            "payload elsewhere" => (good with { Stored = good.Stored with { Key = $"{Cluster}/{BaseId}/snapshot.db.zst.enc" } }, key),
            "payload traversal" => (good with { Stored = good.Stored with { Key = $"{Cluster}/{BaseId}/segments/../../x/snapshot.db" } }, key),
            "other cluster" => (good with { Cluster = "dev" }, key),
            "base mismatch" => (good with { BaseRevision = 99 }, key),
            "before base" => (good with { FirstRevision = 100 }, SegmentLayout.ManifestKey(Cluster, BaseId, 100, 140)),
            "inverted" => (good with { FirstRevision = 150 }, SegmentLayout.ManifestKey(Cluster, BaseId, 150, 140)),
            "renamed" => (good, SegmentLayout.ManifestKey(Cluster, BaseId, 101, 141)),
            "bad sha" => (good with { Raw = good.Raw with { Sha256 = "x" } }, key),
            "times inverted" => (good with { LastReceivedAt = good.FirstReceivedAt.AddSeconds(-1) }, key),
            "no previous" => (Segment(141, 150), SegmentLayout.ManifestKey(Cluster, BaseId, 141, 150)),
            "wrong previous" => (Segment(141, 150) with { Previous = SegmentLayout.Name(101, 139) }, SegmentLayout.ManifestKey(Cluster, BaseId, 141, 150)),
            "junk previous" => (Segment(141, 150) with { Previous = "../0000000000000000101-0000000000000000140" }, SegmentLayout.ManifestKey(Cluster, BaseId, 141, 150)),
            "previous on the first" => (good with { Previous = SegmentLayout.Name(90, 100) }, key),
            _ => throw new ArgumentOutOfRangeException(nameof(edit)),
        };

        Assert.Throws<InvalidDataException>(() => SegmentManifest.Parse(manifest.ToJson(), Cluster, at));
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("{\"formatVersion\": 2}")]
    [InlineData("{\"formatVersion\": 1}")]
    [InlineData("{\"formatVersion\": \"1\"}")]
    public void DamagedJsonIsRefused(string json) =>
        Assert.Throws<InvalidDataException>(() => SegmentManifest.Parse(Encoding.UTF8.GetBytes(json), Cluster, "prod/x"));
}

public sealed class SegmentChainTests
{
    private static readonly DateTimeOffset BaseTime = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    private static SegmentChain Chain(params SegmentManifest[] segments) =>
        SegmentChain.Build("20261201T100000Z-cp1-r100", 100, BaseTime, segments);

    [Fact]
    public void ConsecutiveSegmentsMakeOneWindow()
    {
        var chain = Chain(SegmentManifestTests.Segment(121, 130), SegmentManifestTests.Segment(101, 120));
        Assert.Empty(chain.Gaps);
        Assert.Equal(130, chain.LastRevision);
        Assert.Equal([101L, 121L], chain.SegmentsTo(125)!.Select(s => s.FirstRevision));
        Assert.Empty(chain.SegmentsTo(100)!);
        Assert.Null(chain.SegmentsTo(131));
        Assert.Null(chain.SegmentsTo(99));
    }

    [Fact]
    public void AHoleIsReportedAndNothingAfterItIsRestorable()
    {
        var chain = Chain(SegmentManifestTests.Segment(101, 120), SegmentManifestTests.Segment(131, 140));
        Assert.Equal([new RevisionGap(121, 130)], chain.Gaps);
        Assert.Equal(120, chain.LastRevision);
        Assert.Single(chain.Stranded);
        Assert.Null(chain.SegmentsTo(135));
    }

    [Fact]
    public void AHoleRightAfterTheBaseLeavesOnlyTheBase()
    {
        var chain = Chain(SegmentManifestTests.Segment(105, 120));
        Assert.Equal([new RevisionGap(101, 104)], chain.Gaps);
        Assert.Equal(100, chain.LastRevision);
    }

    [Fact]
    public void OverlapsFromASecondWriterAreTolerated()
    {
        var chain = Chain(SegmentManifestTests.Segment(101, 120), SegmentManifestTests.Segment(110, 125), SegmentManifestTests.Segment(105, 115));
        Assert.Empty(chain.Gaps);
        Assert.Equal(125, chain.LastRevision);
        Assert.Equal([101L, 110L], chain.Path.Select(s => s.FirstRevision));
    }

    [Fact]
    public void ATimeMapsToTheLastRevisionReceivedByThen()
    {
        var chain = Chain(SegmentManifestTests.Segment(101, 120), SegmentManifestTests.Segment(121, 130));
        var t0 = new DateTimeOffset(2026, 12, 1, 10, 0, 5, TimeSpan.Zero);
        Assert.Null(chain.RevisionAt(BaseTime.AddSeconds(-1)));
        Assert.Equal(100, chain.RevisionAt(BaseTime));
        Assert.Equal(120, chain.RevisionAt(t0.AddSeconds(120)));
        Assert.Equal(120, chain.RevisionAt(t0.AddSeconds(129)));
        Assert.Equal(130, chain.RevisionAt(t0.AddSeconds(1000)));
    }
}

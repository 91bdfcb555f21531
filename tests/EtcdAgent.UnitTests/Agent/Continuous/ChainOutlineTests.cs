using EtcdAgent.Configuration;
using EtcdAgent.Continuous;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Continuous;

/// <summary>
/// A chain's window from key names alone (what `backup list` shows without reading thousands of manifests): the
/// names are untrusted, so what does not parse is counted as damaged and never chained.
/// </summary>
public sealed class ChainOutlineTests
{
    private const string Cluster = "prod";
    private const string BaseId = "20261201T100000Z-cp1-r100";

    private static IEnumerable<string> Committed(long first, long last, CompressionKind compression = CompressionKind.Zstd, bool encrypted = false) =>
    [
        SegmentLayout.PayloadKey(Cluster, BaseId, first, last, compression, encrypted),
        SegmentLayout.ManifestKey(Cluster, BaseId, first, last),
    ];

    private static ChainOutline Outline(params IEnumerable<string>[] keys) => ChainOutline.FromKeys(Cluster, BaseId, 100, keys.SelectMany(k => k));

    [Fact]
    public void ConsecutiveSegmentsOfAnyCodecMakeOneWindow()
    {
        var outline = Outline(Committed(101, 120), Committed(121, 130, CompressionKind.None, encrypted: true), Committed(131, 131, CompressionKind.Gzip));
        Assert.Equal(131, outline.LastRevision);
        Assert.Equal(3, outline.Segments);
        Assert.Empty(outline.Gaps);
        Assert.Empty(outline.Damaged);
    }

    [Fact]
    public void NoSegmentsIsTheBaseAlone()
    {
        var outline = Outline([BackupKey()]);
        Assert.Equal(100, outline.LastRevision);
        Assert.Equal(0, outline.Segments);
        Assert.Empty(outline.Damaged);
    }

    [Fact]
    public void AHoleEndsTheWindowAndStrandsWhatFollows()
    {
        var outline = Outline(Committed(101, 120), Committed(126, 130), Committed(131, 140), Committed(150, 160));
        Assert.Equal(120, outline.LastRevision);
        Assert.Equal([new RevisionGap(121, 125), new RevisionGap(141, 149)], outline.Gaps);
        Assert.Equal(3, outline.Stranded.Count);
        Assert.Equal(4, outline.Segments);
    }

    [Fact]
    public void OverlapsFromASecondWriterAreTolerated()
    {
        var outline = Outline(Committed(101, 120), Committed(110, 125), Committed(105, 115), Committed(126, 126));
        Assert.Empty(outline.Gaps);
        Assert.Equal(126, outline.LastRevision);
        Assert.Equal([101L, 110L, 126L], outline.Path.Select(s => s.First));
    }

    [Fact]
    public void AManifestWithoutItsPayloadIsDamagedAndLeavesAHole()
    {
        var outline = Outline(Committed(101, 120), [SegmentLayout.ManifestKey(Cluster, BaseId, 121, 130)], Committed(131, 140));
        Assert.Equal(120, outline.LastRevision);
        Assert.Equal([new RevisionGap(121, 130)], outline.Gaps);
        var (key, problem) = Assert.Single(outline.Damaged);
        Assert.Equal(SegmentLayout.ManifestKey(Cluster, BaseId, 121, 130), key);
        Assert.Contains("no payload", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void APayloadWithoutAManifestIsNotASegment()
    {
        // The manifest is the commit marker: a payload alone is an upload in progress (or one that failed).
        var outline = Outline(Committed(101, 120), [SegmentLayout.PayloadKey(Cluster, BaseId, 121, 130, CompressionKind.Zstd, false)]);
        Assert.Equal(120, outline.LastRevision);
        Assert.Empty(outline.Gaps);
        Assert.Empty(outline.Damaged);
    }

    [Theory]
    [InlineData("junk.json")]
    [InlineData("101-120.json")]
    [InlineData("0000000000000000120-0000000000000000101.json")] // inverted
    [InlineData("0000000000000000050-0000000000000000120.json")] // starts at or before the base
    [InlineData("0000000000000000100-0000000000000000120.json")]
    [InlineData("+000000000000000101-0000000000000000120.json")]
    [InlineData(" 000000000000000101-0000000000000000120.json")]
    [InlineData("0000000000000000101_0000000000000000120.json")]
    [InlineData("0000000000000000101-9999999999999999999.json")] // above long.MaxValue
    [InlineData("0000000000000000101-0000000000000000120.JSON.json")]
    [InlineData("sub/0000000000000000101-0000000000000000120.json")]
    [InlineData("٠٠٠٠٠٠٠٠٠٠٠٠٠٠٠٠١٠١-0000000000000000120.json")] // Arabic-Indic digits
    public void ManifestNamesThatDoNotParseAreDamagedAndNeverChained(string name)
    {
        var prefix = SegmentLayout.ChainPrefix(Cluster, BaseId);
        var outline = Outline(Committed(101, 120), [prefix + name, prefix + name.Replace(".json", ".seg", StringComparison.Ordinal)]);
        Assert.Equal(120, outline.LastRevision);
        Assert.Single(outline.Path);
        var (key, _) = Assert.Single(outline.Damaged);
        Assert.Equal(prefix + name, key);
    }

    [Fact]
    public void KeysOfOtherChainsAndOtherFilesAreIgnored()
    {
        const string otherBase = "20261201T110000Z-cp1-r500";
        var outline = Outline(
            Committed(101, 120),
            [
                SegmentLayout.ManifestKey(Cluster, otherBase, 121, 130), SegmentLayout.PayloadKey(Cluster, otherBase, 121, 130, CompressionKind.Zstd, false),
                SegmentLayout.ManifestKey("staging", BaseId, 121, 130), BackupKey(), SegmentLayout.ChainPrefix(Cluster, BaseId) + "notes.txt",
            ]);
        Assert.Equal(120, outline.LastRevision);
        Assert.Empty(outline.Damaged);
    }

    [Fact]
    public void WithoutASegmentTheWindowIsWalkedAgain()
    {
        var outline = Outline(Committed(101, 120), Committed(121, 130));
        var shorter = outline.Without(SegmentLayout.ManifestKey(Cluster, BaseId, 121, 130));
        Assert.Equal(120, shorter.LastRevision);
        Assert.Single(shorter.Path);

        var holed = outline.Without(SegmentLayout.ManifestKey(Cluster, BaseId, 101, 120));
        Assert.Equal(100, holed.LastRevision);
        Assert.Equal([new RevisionGap(101, 120)], holed.Gaps);
    }

    private static string BackupKey() => $"{Cluster}/{BaseId}/snapshot.db.zst";
}

using EtcdAgent.Configuration;
using EtcdAgent.Continuous;
using EtcdAgent.Manifests;
using EtcdAgent.UnitTests.Agent.Storage;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Continuous;

/// <summary>
/// `backup list`'s window of a chain: the names outline it, and only the last segment's manifest is read, for when
/// its last revision was received; a damaged one steps the window back and is reported.
/// </summary>
public sealed class ChainWindowTests : IDisposable
{
    private const string Cluster = "prod";
    private const string BaseId = "20261201T100000Z-cp1-r100";
    private static readonly DateTimeOffset Created = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    private readonly InMemoryStore _store = new(TimeProvider.System);

    public void Dispose() => _store.Dispose();

    private static BackupManifest Base()
    {
        var backup = ChainSamples.Backup(Created, 100);
        Assert.Equal(BaseId, backup.Id);
        return backup;
    }

    /// <summary>The name of the segment committed last: the next one names it as its previous.</summary>
    private string? _previous;

    private SegmentManifest Commit(long first, long last, string? manifestText = null)
    {
        var segment = SegmentManifestTests.Segment(first, last) with { Previous = _previous };
        _previous = SegmentLayout.Name(first, last);
        _store.Objects[segment.Stored.Key] = ([1, 2, 3], Created);
        _store.Objects[SegmentLayout.ManifestKey(Cluster, BaseId, first, last)] =
            (manifestText is null ? segment.ToJson() : System.Text.Encoding.UTF8.GetBytes(manifestText), Created);
        return segment;
    }

    private Task<ChainWindow> Read() => ChainWindow.ReadAsync(_store, Cluster, Base(), _store.Objects.Keys.ToList(), default);

    [Fact]
    public async Task OnlyTheLastSegmentsManifestIsRead()
    {
        // The earlier manifests are not even JSON: were they read, they would be reported as damaged.
        Commit(101, 120, "not read");
        Commit(121, 130, "not read");
        var last = Commit(131, 140);

        var window = await Read();

        Assert.Equal(100, window.FromRevision);
        Assert.Equal(140, window.ToRevision);
        Assert.Equal(Created, window.From);
        Assert.Equal(last.LastReceivedAt, window.To);
        Assert.Equal(3, window.Outline.Segments);
        Assert.Empty(window.Damaged);
    }

    [Fact]
    public async Task ADamagedLastManifestStepsTheWindowBack()
    {
        var kept = Commit(101, 120);
        Commit(121, 130, "{\"formatVersion\": 1}");

        var window = await Read();

        Assert.Equal(120, window.ToRevision);
        Assert.Equal(kept.LastReceivedAt, window.To);
        var (key, _) = Assert.Single(window.Damaged);
        Assert.Equal(SegmentLayout.ManifestKey(Cluster, BaseId, 121, 130), key);
    }

    [Fact]
    public async Task AManifestOfAnotherRangeUnderThisNameIsDamaged()
    {
        Commit(101, 120);
        var other = SegmentManifestTests.Segment(121, 135) with { Previous = SegmentLayout.Name(101, 120) };
        _store.Objects[SegmentLayout.PayloadKey(Cluster, BaseId, 121, 130, CompressionKind.Zstd, true)] = ([1], Created);
        _store.Objects[SegmentLayout.ManifestKey(Cluster, BaseId, 121, 130)] = (other.ToJson(), Created);

        var window = await Read();

        Assert.Equal(120, window.ToRevision);
        Assert.Contains(window.Damaged, d => d.Problem.Contains("does not match its content", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ManyDamagedManifestsInARowLeaveTheEndTimeUnknown()
    {
        for (var first = 101; first <= 150; first += 10)
        {
            Commit(first, first + 9, "damaged");
        }

        var window = await Read();

        Assert.Null(window.To);
        Assert.Equal(4, window.Damaged.Count);
        Assert.Equal(110, window.ToRevision); // four stepped back from 150; the fifth was never read
    }

    [Fact]
    public async Task WithoutSegmentsTheWindowIsTheBaseAlone()
    {
        var window = await Read();
        Assert.Equal(100, window.ToRevision);
        Assert.Equal(Created, window.To);
        Assert.Equal(0, window.Outline.Segments);
    }
}

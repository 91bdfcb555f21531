using EtcdAgent.Continuous;
using Mvccpb;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Continuous;

/// <summary>
/// A time resolves to the last revision received at or before it, exactly: the manifests find the segment, that one
/// segment's per-revision receive times decide; outside the chain's window there is no answer.
/// </summary>
public sealed class RevisionAtTimeTests
{
    private const string BaseId = "20261201T100000Z-cp1-r100";
    private static readonly DateTimeOffset BaseTime = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 10, 0, 5, TimeSpan.Zero);

    // Revision r is received at T0 + r seconds (SegmentManifestTests.Segment's manifests say the same).
    private static DateTimeOffset At(long revision) => T0.AddSeconds(revision);

    private static SegmentChain Chain() => SegmentChain.Build(BaseId, 100, BaseTime,
        [SegmentManifestTests.Segment(101, 120), SegmentManifestTests.Segment(121, 130)]);

    private readonly List<long> _read = [];

    private Task<IReadOnlyList<RevisionEvents>> Read(SegmentManifest segment, CancellationToken cancellationToken)
    {
        _read.Add(segment.FirstRevision);
        var events = new List<Event> { new() { Type = Event.Types.EventType.Put } };
        return Task.FromResult<IReadOnlyList<RevisionEvents>>(Enumerable.Range((int)segment.FirstRevision, (int)(segment.LastRevision - segment.FirstRevision + 1))
            .Select(r => new RevisionEvents(r, At(r), events)).ToList());
    }

    private Task<(long Revision, DateTimeOffset ReceivedAt)?> Find(DateTimeOffset time) => RevisionAtTime.FindAsync(Chain(), time, Read, default);

    [Fact]
    public async Task ATimeInsideASegmentReadsThatSegmentOnly()
    {
        Assert.Equal((125L, At(125)), await Find(At(125).AddMilliseconds(500)));
        Assert.Equal([121L], _read);
    }

    [Fact]
    public async Task ATimeExactlyAtAReceiveTimeIncludesThatRevision() => Assert.Equal((125L, At(125)), await Find(At(125)));

    [Fact]
    public async Task AManifestTimeInTicksDoesNotHideTheFirstRevisionStoredInMilliseconds()
    {
        // Segments written before receive times were rounded: the manifest says 0.4 ms after what the content stores.
        var chain = SegmentChain.Build(BaseId, 100, BaseTime,
            [SegmentManifestTests.Segment(101, 120), SegmentManifestTests.Segment(121, 130) with { FirstReceivedAt = At(121).AddTicks(4_000) }]);

        Assert.Equal((121L, At(121)), await RevisionAtTime.FindAsync(chain, At(121), Read, default));
    }

    [Fact]
    public async Task ATimeBetweenSegmentsNeedsNoPayload()
    {
        // 120 is the first segment's last; the second segment begins at 121, received a second later.
        Assert.Equal((120L, At(120)), await Find(At(120).AddMilliseconds(999)));
        Assert.Empty(_read);
    }

    [Fact]
    public async Task ATimeBeforeTheFirstWriteIsTheBase()
    {
        Assert.Equal((100L, BaseTime), await Find(BaseTime.AddSeconds(1)));
        Assert.Equal((100L, BaseTime), await Find(BaseTime));
    }

    [Fact]
    public async Task TheWindowsEndIsTheLastRevision() => Assert.Equal((130L, At(130)), await Find(At(130)));

    [Fact]
    public async Task TimesOutsideTheWindowAreNotInThisChain()
    {
        Assert.Null(await Find(BaseTime.AddMilliseconds(-1)));
        Assert.Null(await Find(At(130).AddMilliseconds(1)));
        Assert.Empty(_read);
    }

    [Fact]
    public async Task AChainWithoutSegmentsHoldsOnlyTheBasesInstant()
    {
        var chain = SegmentChain.Build(BaseId, 100, BaseTime, []);
        Assert.Equal((100L, BaseTime), await RevisionAtTime.FindAsync(chain, BaseTime, Read, default));
        Assert.Null(await RevisionAtTime.FindAsync(chain, BaseTime.AddSeconds(1), Read, default));
    }

    [Fact]
    public async Task NothingAfterAHoleIsReached()
    {
        var chain = SegmentChain.Build(BaseId, 100, BaseTime, [SegmentManifestTests.Segment(101, 120), SegmentManifestTests.Segment(131, 140)]);
        Assert.Null(await RevisionAtTime.FindAsync(chain, At(135), Read, default));
        Assert.Equal((120L, At(120)), await RevisionAtTime.FindAsync(chain, At(120), Read, default));
    }
}

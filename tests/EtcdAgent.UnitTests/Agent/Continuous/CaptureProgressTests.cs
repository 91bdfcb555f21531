using EtcdAgent.Continuous;
using EtcdAgent.Manifests;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Continuous;

/// <summary>The lag the metrics export: revisions the cluster has beyond the last segment, and how long they waited.</summary>
public sealed class CaptureProgressTests
{
    [Fact]
    public void LagGrowsWhileRevisionsWaitAndDropsWhenASegmentCommitsThem()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        var progress = new CaptureProgress(time);
        progress.Head(500);
        Assert.Equal((0L, 0d), progress.Lag()); // not the writer: no lag of its own

        progress.Started(100);
        Assert.Equal(100, progress.LastReceived);
        Assert.Equal(400, progress.Lag().Revisions); // the cluster is ahead of the chain's end before anything arrives
        progress.Received(new RevisionEvents(101, time.GetUtcNow(), []));
        time.Advance(TimeSpan.FromSeconds(3));
        progress.Received(new RevisionEvents(102, time.GetUtcNow(), []));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal((400L, 4d), progress.Lag()); // since the oldest uncommitted revision arrived
        Assert.Equal(102, progress.LastReceived); // what a chain switch waits for: the new base's revision received

        progress.Head(600);
        progress.Committed(Segment(101, 102));
        Assert.Equal((498L, 0d), progress.Lag()); // still behind: the wait restarts at the commit
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(2d, progress.Lag().Seconds);

        progress.Committed(Segment(103, 600));
        Assert.Equal((0L, 0d), progress.Lag());
        Assert.Equal(600, progress.LastCommitted);

        progress.Stopped();
        progress.Head(700);
        Assert.False(progress.Streaming);
        Assert.Equal((0L, 0d), progress.Lag());
    }

    private static SegmentManifest Segment(long first, long last) => new()
    {
        FormatVersion = 1,
        Cluster = "c",
        Base = "b",
        BaseRevision = 100,
        FirstRevision = first,
        LastRevision = last,
        FirstReceivedAt = DateTimeOffset.UnixEpoch,
        LastReceivedAt = DateTimeOffset.UnixEpoch,
        Raw = new ContentInfo(new string('a', 64), 1),
        Stored = new StoredInfo("k", new string('a', 64), 1),
        Codecs = new CodecInfo("none", 0, null, null),
        Node = "n1",
        AgentVersion = "1",
    };
}

using EtcdAgent.Hosting;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Hosting;

/// <summary>What the systemd watchdog is told, driven by a fake clock: the scheduler's heartbeat and each job's progress.</summary>
public sealed class LivenessTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(1);

    [Fact]
    public void AliveWhileTheSchedulerBeatsAndNoJobRuns()
    {
        var time = new FakeTimeProvider();
        var liveness = new Liveness(time);
        Assert.Null(liveness.Stalled(Window));

        time.Advance(TimeSpan.FromSeconds(0.9));
        liveness.SchedulerBeat();
        time.Advance(TimeSpan.FromSeconds(0.9));
        Assert.Null(liveness.Stalled(Window));
    }

    [Fact]
    public void ASchedulerThatStopsBeatingIsStalled()
    {
        var time = new FakeTimeProvider();
        var liveness = new Liveness(time);
        time.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Contains("scheduler has not fired its heartbeat for 1.5s", liveness.Stalled(Window), StringComparison.Ordinal);
    }

    [Fact]
    public void AJobWithoutProgressIsStalledUntilItReportsOrEnds()
    {
        var time = new FakeTimeProvider();
        var liveness = new Liveness(time);
        var job = liveness.Enter("backup");
        time.Advance(TimeSpan.FromSeconds(2));
        liveness.SchedulerBeat();
        Assert.Contains("the backup job has made no progress for 2.0s", liveness.Stalled(Window), StringComparison.Ordinal);

        job.Progress();
        Assert.Null(liveness.Stalled(Window));

        time.Advance(TimeSpan.FromSeconds(3));
        liveness.SchedulerBeat();
        Assert.NotNull(liveness.Stalled(Window));
        job.Dispose();
        Assert.Null(liveness.Stalled(Window));
    }

    [Fact]
    public void AJobIsGivenTheQuietTimeItDeclared()
    {
        var time = new FakeTimeProvider();
        var liveness = new Liveness(time);
        using var drill = liveness.Enter("drill", quietLimit: TimeSpan.FromMinutes(16));
        time.Advance(TimeSpan.FromMinutes(15));
        liveness.SchedulerBeat();
        Assert.Null(liveness.Stalled(Window));

        time.Advance(TimeSpan.FromMinutes(2));
        liveness.SchedulerBeat();
        Assert.Contains("the drill job", liveness.Stalled(Window), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATimerWaitCountsAsProgress()
    {
        var time = new FakeTimeProvider();
        var liveness = new Liveness(time);
        using var job = liveness.Enter("backup");
        time.Advance(TimeSpan.FromSeconds(2));
        liveness.SchedulerBeat();
        Assert.NotNull(liveness.Stalled(Window));

        // A wait beats before each step (and returns at once when nothing is left to wait).
        await job.DelayAsync(TimeSpan.Zero, CancellationToken.None);
        Assert.Null(liveness.Stalled(Window));
    }
}

using EtcdAgent.Scheduling.Jobs;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Scheduling;

public sealed class TickRetryTests
{
    [Fact]
    public void TheBackoffDoublesFromThirtySecondsToTenMinutesAndResetsAfterASuccess()
    {
        var retry = new TickRetry();
        var delays = Enumerable.Range(0, 7).Select(_ => retry.Next().TotalSeconds).ToList();
        Assert.Equal([30, 60, 120, 240, 480, 600, 600], delays);

        retry.Reset();
        Assert.Equal(TimeSpan.FromSeconds(30), retry.Next());
    }
}

using EtcdAgent.Diagnostics;
using EtcdAgent.Storage;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Diagnostics;

/// <summary>How a failure carries its stage: the label values operators alert on, and which stage wins when steps nest.</summary>
public sealed class FailureStageTests
{
    [Fact]
    public void EveryStageHasTheLabelOperatorsAlertOn()
    {
        // The first eight are the values etcd_agent_failures_total had before stages were typed: never respell them.
        var expected = new Dictionary<FailureStage, string>
        {
            [FailureStage.Etcd] = "etcd",
            [FailureStage.Snapshot] = "snapshot",
            [FailureStage.Verify] = "verify",
            [FailureStage.Spool] = "spool",
            [FailureStage.Upload] = "upload",
            [FailureStage.Lock] = "lock",
            [FailureStage.Prune] = "prune",
            [FailureStage.Other] = "other",
            [FailureStage.Encode] = "encode",
            [FailureStage.Manifest] = "manifest",
            [FailureStage.Drill] = "drill",
        };

        Assert.Equal(expected.Keys.Order(), Enum.GetValues<FailureStage>().Order());
        Assert.All(expected, e => Assert.Equal(e.Value, e.Key.Label()));
    }

    [Fact]
    public void AFailureNoStepClaimedIsOther() =>
        Assert.Equal(FailureStage.Other, FailureStages.Of(new InvalidOperationException("a bug")));

    [Fact]
    public async Task TheInnermostStepsStageWinsAndTheExceptionIsRethrownAsItWas()
    {
        var thrown = new StoreException(StoreFault.Unavailable, "down");

        var caught = await Assert.ThrowsAsync<StoreException>(() =>
            FailureStages.RunAsync(FailureStage.Upload, () =>
                FailureStages.RunAsync(FailureStage.Manifest, () => Task.FromException(thrown))));

        Assert.Same(thrown, caught);
        Assert.Equal(FailureStage.Manifest, FailureStages.Of(caught));
    }

    [Fact]
    public void AWrapperWithoutAStageReportsTheStageOfWhatItWraps()
    {
        var inner = new IOException("disk gone").At(FailureStage.Spool);

        Assert.Equal(FailureStage.Spool, FailureStages.Of(new StoreException(StoreFault.Denied, "translated", inner)));
        Assert.Equal(FailureStage.Lock, FailureStages.Of(new InvalidOperationException("lock lost", inner).At(FailureStage.Lock)));
    }
}

using EtcdAgent.Diagnostics;
using EtcdAgent.Failures;
using EtcdAgent.Snapshots;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Snapshots;

/// <summary>
/// `backup create`'s pipeline, failing in each of its steps: the failure carries that step's stage, set where it
/// happened, and is still the exception it was, so the CLI's exit code is the one it always was.
/// </summary>
public sealed class BackupPipelineStageTests
{
    [Theory]
    [InlineData(StageFault.EtcdRefusesStatus, "etcd", ExitCodes.Unavailable)]
    [InlineData(StageFault.NodeLockHeld, "lock", ExitCodes.Busy)]
    [InlineData(StageFault.SnapshotCut, "snapshot", ExitCodes.Unavailable)]
    [InlineData(StageFault.TrailerMismatch, "verify", ExitCodes.Corrupt)]
    [InlineData(StageFault.StructureCorrupt, "verify", ExitCodes.Corrupt)]
    [InlineData(StageFault.SpoolNotADirectory, "spool", ExitCodes.Usage)]
    [InlineData(StageFault.StoreRefusesWrites, "upload", ExitCodes.StoreUnavailable)]
    [InlineData(StageFault.StoreRefusesManifest, "manifest", ExitCodes.StoreUnavailable)]
    [InlineData(StageFault.KeyFileMissing, "other", ExitCodes.Usage)]
    public async Task AFailureCarriesTheStageOfItsStepAndKeepsItsExitCode(StageFault fault, string stage, int exitCode)
    {
        await using var rig = await StageRig.StartAsync(fault);

        var error = await Record.ExceptionAsync(() =>
            new BackupPipeline(rig.Options, rig.Store, TimeProvider.System, NullLogger.Instance).CreateAsync(rig.Client, rig.Endpoint, default));

        Assert.NotNull(error);
        Assert.Equal(stage, FailureStages.Of(error).Label());
        Assert.Equal(exitCode, FailureMessages.Describe(error, null).Code);
    }

    [Fact]
    public async Task AnEncoderFailureIsTheEncodeStage()
    {
        await using var rig = await StageRig.StartAsync(StageFault.None);
        var pipeline = new BackupPipeline(rig.Options, rig.Store, TimeProvider.System, NullLogger.Instance)
        {
            // Runs on the encoder for every MiB it compresses: its failure is the encoder's.
            OnProgress = () => throw new InvalidOperationException("the encoder broke"),
        };

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => pipeline.CreateAsync(rig.Client, rig.Endpoint, default));

        Assert.Equal(FailureStage.Encode, FailureStages.Of(error));
        Assert.Equal(ExitCodes.Failure, FailureMessages.Describe(error, null).Code);
        Assert.Empty(rig.Store.Inner.Objects);
    }
}

using EtcdAgent.Hosting;
using Quartz;

namespace EtcdAgent.Scheduling.Jobs;

/// <summary>
/// At start, when the spool holds verified snapshots an earlier run could not store (the store was down, the node
/// was stopped mid-upload), uploads them at once instead of waiting for the next tick.
/// </summary>
[DisallowConcurrentExecution]
internal sealed class SpoolCatchUpJob(BackupTick tick, DaemonJob.Shared shared) : DaemonJob(shared)
{
    protected override string Name => "spool catch-up";

    protected override bool Jittered(IJobExecutionContext context) => false;

    protected override Task RunAsync(IJobExecutionContext context, Liveness.Running running, CancellationToken stop) =>
        tick.UploadBacklogAsync(running, stop);
}

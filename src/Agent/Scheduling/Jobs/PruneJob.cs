using Quartz;

namespace EtcdAgent.Scheduling.Jobs;

/// <summary>The prune schedule (only when schedule.prune is set; otherwise each backup prunes after itself).</summary>
[DisallowConcurrentExecution]
internal sealed class PruneJob(PruneTick prune, DaemonJob.Shared shared) : DaemonJob(shared)
{
    protected override string Name => "prune";

    protected override Task RunAsync(IJobExecutionContext context, Hosting.Liveness.Running running, CancellationToken stop) =>
        prune.RunAsync(stop);
}

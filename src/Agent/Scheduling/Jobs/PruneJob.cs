using EtcdAgent.Configuration;
using EtcdAgent.Hosting;
using Microsoft.Extensions.Hosting;
using Quartz;

namespace EtcdAgent.Scheduling.Jobs;

/// <summary>The prune schedule (only when schedule.prune is set; otherwise each backup prunes after itself).</summary>
[DisallowConcurrentExecution]
internal sealed class PruneJob(PruneTick prune, AgentOptions options, JobGate gate, Liveness liveness, AfterJob after, IHostApplicationLifetime lifetime)
    : DaemonJob(gate, liveness, after, lifetime)
{
    protected override string Name => "prune";

    protected override async Task RunAsync(IJobExecutionContext context, Liveness.Running running, CancellationToken stop)
    {
        await running.DelayAsync(Jitter.Next(options.Schedule.Jitter), stop).ConfigureAwait(false);
        await prune.RunAsync(stop).ConfigureAwait(false);
    }
}

using EtcdAgent.Hosting;
using Quartz;

namespace EtcdAgent.Scheduling.Jobs;

/// <summary>The scheduler's own pulse: fired every second while the watchdog is on, proof that Quartz still fires.</summary>
internal sealed class HeartbeatJob(Liveness liveness) : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        liveness.SchedulerBeat();
        return ValueTask.CompletedTask;
    }
}

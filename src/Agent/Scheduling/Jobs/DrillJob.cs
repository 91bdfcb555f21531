using Quartz;

namespace EtcdAgent.Scheduling.Jobs;

/// <summary>
/// The restore drill schedule. A drill reports no progress of its own while it restores and starts a throwaway etcd;
/// its own timeout bounds it, so the watchdog gives it that long before calling it stuck.
/// </summary>
[DisallowConcurrentExecution]
internal sealed class DrillJob(DrillTick drill, DaemonJob.Shared shared) : DaemonJob(shared)
{
    protected override string Name => "drill";

    protected override TimeSpan QuietLimit => Options.Drill.Timeout + TimeSpan.FromMinutes(1);

    protected override Task RunAsync(IJobExecutionContext context, Hosting.Liveness.Running running, CancellationToken stop) =>
        drill.RunAsync(context.ScheduledFireTimeUtc ?? context.FireTimeUtc, stop);
}

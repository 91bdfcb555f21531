using EtcdAgent.Configuration;
using EtcdAgent.Hosting;
using Microsoft.Extensions.Hosting;
using Quartz;

namespace EtcdAgent.Scheduling.Jobs;

/// <summary>
/// The restore drill schedule. A drill reports no progress of its own while it restores and starts a throwaway etcd;
/// its own timeout bounds it, so the watchdog gives it that long before calling it stuck.
/// </summary>
[DisallowConcurrentExecution]
internal sealed class DrillJob(DrillTick drill, AgentOptions options, JobGate gate, Liveness liveness, AfterJob after, IHostApplicationLifetime lifetime)
    : DaemonJob(gate, liveness, after, lifetime)
{
    protected override string Name => "drill";

    protected override TimeSpan QuietLimit => options.Drill.Timeout + TimeSpan.FromMinutes(1);

    protected override async Task RunAsync(IJobExecutionContext context, Liveness.Running running, CancellationToken stop)
    {
        await running.DelayAsync(Jitter.Next(options.Schedule.Jitter), stop).ConfigureAwait(false);
        await drill.RunAsync(context.ScheduledFireTimeUtc ?? context.FireTimeUtc, stop).ConfigureAwait(false);
    }
}

using EtcdAgent.Configuration;
using EtcdAgent.Hosting;
using Microsoft.Extensions.Hosting;
using Quartz;

namespace EtcdAgent.Scheduling.Jobs;

/// <summary>
/// What every daemon job shares: one job at a time on this node (<see cref="JobGate"/>, the old loop's "no
/// overlapping runs"), its progress watched by <see cref="Liveness"/> for the systemd watchdog, cancellation on
/// SIGTERM (the host's stopping token, and Quartz's interruption while it waits for jobs), and the chores after each
/// run (<see cref="AfterJob"/>), and the configured jitter before a scheduled fire's work. A job stopped by SIGTERM
/// returns quietly: its upload was aborted, no manifest written.
/// </summary>
internal abstract class DaemonJob(DaemonJob.Shared shared) : IJob
{
    /// <summary>What every job needs from the container, in one registration.</summary>
    internal sealed record Shared(JobGate Gate, Liveness Liveness, AfterJob After, IHostApplicationLifetime Lifetime, AgentOptions Options);

    /// <summary>The configuration the daemon was started with.</summary>
    protected AgentOptions Options => shared.Options;

    /// <summary>The job's name in watchdog messages.</summary>
    protected abstract string Name { get; }

    /// <summary>How long the job may run without reporting progress before the watchdog calls it stuck.</summary>
    protected virtual TimeSpan QuietLimit => TimeSpan.Zero;

    /// <summary>Whether this firing waits a random jitter first (cron fires do; catch-ups and retries do not).</summary>
    protected virtual bool Jittered(IJobExecutionContext context) => true;

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, shared.Lifetime.ApplicationStopping);
        try
        {
            await shared.Gate.WaitAsync(stop.Token).ConfigureAwait(false);
            try
            {
                using (var running = shared.Liveness.Enter(Name, QuietLimit))
                {
                    if (Jittered(context))
                    {
                        await running.DelayAsync(Jitter.Next(shared.Options.Schedule.Jitter), stop.Token).ConfigureAwait(false);
                    }

                    await RunAsync(context, running, stop.Token).ConfigureAwait(false);
                }

                await shared.After.RunAsync(context.Scheduler, stop.Token).ConfigureAwait(false);
            }
            finally
            {
                shared.Gate.Release();
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // SIGTERM: the in-flight work was cancelled (an upload aborted, no manifest written).
        }
    }

    protected abstract Task RunAsync(IJobExecutionContext context, Liveness.Running running, CancellationToken stop);
}

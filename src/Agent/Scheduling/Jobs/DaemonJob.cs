using EtcdAgent.Hosting;
using Microsoft.Extensions.Hosting;
using Quartz;

namespace EtcdAgent.Scheduling.Jobs;

/// <summary>
/// What every daemon job shares: one job at a time on this node (<see cref="JobGate"/>, the old loop's "no
/// overlapping runs"), its progress watched by <see cref="Liveness"/> for the systemd watchdog, cancellation on
/// SIGTERM (the host's stopping token, and Quartz's interruption while it waits for jobs), and the chores after each
/// run (<see cref="AfterJob"/>). A job stopped by SIGTERM returns quietly: its upload was aborted, no manifest written.
/// </summary>
internal abstract class DaemonJob(JobGate gate, Liveness liveness, AfterJob after, IHostApplicationLifetime lifetime) : IJob
{
    /// <summary>The job's name in watchdog messages.</summary>
    protected abstract string Name { get; }

    /// <summary>How long the job may run without reporting progress before the watchdog calls it stuck.</summary>
    protected virtual TimeSpan QuietLimit => TimeSpan.Zero;

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
        try
        {
            await gate.WaitAsync(stop.Token).ConfigureAwait(false);
            try
            {
                using (var running = liveness.Enter(Name, QuietLimit))
                {
                    await RunAsync(context, running, stop.Token).ConfigureAwait(false);
                }

                await after.RunAsync(context.Scheduler, stop.Token).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // SIGTERM: the in-flight work was cancelled (an upload aborted, no manifest written).
        }
    }

    protected abstract Task RunAsync(IJobExecutionContext context, Liveness.Running running, CancellationToken stop);
}

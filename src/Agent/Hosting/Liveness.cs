using System.Collections.Concurrent;

namespace EtcdAgent.Hosting;

/// <summary>
/// Whether the daemon is demonstrably alive, for the systemd watchdog: the scheduler's own heartbeat (a tiny job
/// Quartz fires every second) is fresh, and every job that is running has reported progress recently (a snapshot
/// chunk, a timer wait) or is within the quiet time it declared. A wedged etcd call inside a tick, or a scheduler
/// whose thread no longer fires anything, ages one of the two and the pings stop, so systemd restarts the service.
/// </summary>
internal sealed class Liveness
{
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<Running, byte> _running = new();
    private long _schedulerBeat;

    public Liveness(TimeProvider time)
    {
        _time = time;
        _schedulerBeat = time.GetTimestamp();
    }


    /// <summary>The scheduler fired its heartbeat.</summary>
    public void SchedulerBeat() => Interlocked.Exchange(ref _schedulerBeat, _time.GetTimestamp());

    /// <summary>
    /// A job starts; dispose the result when it ends. <paramref name="quietLimit"/> lets a job that reports no
    /// progress of its own (a drill, bounded by its own timeout) stay silent that long without being called stuck.
    /// </summary>
    public Running Enter(string job, TimeSpan quietLimit = default)
    {
        var running = new Running(this, job, quietLimit);
        _running[running] = 0;
        return running;
    }

    /// <summary>Null when alive; otherwise what is stuck and for how long.</summary>
    public string? Stalled(TimeSpan window)
    {
        var scheduler = _time.GetElapsedTime(Interlocked.Read(ref _schedulerBeat));
        if (scheduler >= window)
        {
            return $"the scheduler has not fired its heartbeat for {scheduler.TotalSeconds:0.0}s";
        }

        foreach (var job in _running.Keys)
        {
            var quiet = _time.GetElapsedTime(Interlocked.Read(ref job.LastProgress));
            if (quiet >= window && quiet >= job.QuietLimit)
            {
                return $"the {job.Job} job has made no progress for {quiet.TotalSeconds:0.0}s";
            }
        }

        return null;
    }

    /// <summary>One running job.</summary>
    internal sealed class Running(Liveness owner, string job, TimeSpan quietLimit) : IDisposable
    {
        internal long LastProgress = owner.Now();

        public string Job { get; } = job;

        public TimeSpan QuietLimit { get; } = quietLimit;

        public void Progress() => Interlocked.Exchange(ref LastProgress, owner.Now());

        /// <summary>A timer wait is progress: it beats while it waits, and ends on its own.</summary>
        public async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
        {
            var due = owner._time.GetTimestamp();
            while (true)
            {
                Progress();
                var left = delay - owner._time.GetElapsedTime(due);
                if (left <= TimeSpan.Zero)
                {
                    return;
                }

                await Task.Delay(left < Step ? left : Step, owner._time, cancellationToken).ConfigureAwait(false);
            }
        }

        public void Dispose() => owner._running.TryRemove(this, out _);

        private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(250);
    }

    private long Now() => _time.GetTimestamp();
}

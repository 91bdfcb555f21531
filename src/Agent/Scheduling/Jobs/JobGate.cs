namespace EtcdAgent.Scheduling.Jobs;

/// <summary>
/// One daemon job at a time on this node: a drill, a prune and a backup never compete for the same disk, network
/// and memory, and a retry never overlaps the tick it retries. Quartz's DisallowConcurrentExecution only keeps a
/// job from overlapping itself.
/// </summary>
internal sealed class JobGate : IDisposable
{
    private readonly SemaphoreSlim _one = new(1, 1);

    public Task WaitAsync(CancellationToken cancellationToken) => _one.WaitAsync(cancellationToken);

    public void Release() => _one.Release();

    public void Dispose() => _one.Dispose();
}

namespace EtcdAgent.Storage;

/// <summary>
/// Caps average upload bandwidth: each send asks for its byte count and waits until the budget (bytes per second
/// since the first send) allows it. Coarse by design — a whole part is sent at line speed once admitted — so the
/// cap holds on average over parts, which is what keeps a backup from saturating a control-plane node's uplink.
/// </summary>
internal sealed class BandwidthLimiter(long bytesPerSecond, TimeProvider time)
{
    private readonly object _gate = new();
    private long _admitted;
    private long? _start;

    public async Task WaitAsync(long bytes, CancellationToken cancellationToken)
    {
        TimeSpan wait;
        lock (_gate)
        {
            _start ??= time.GetTimestamp();

            // This send may start once the bytes admitted before it have had their time at the capped rate.
            var due = TimeSpan.FromSeconds((double)_admitted / bytesPerSecond);
            wait = due - time.GetElapsedTime(_start.Value);
            _admitted += bytes;
        }

        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
        }
    }
}

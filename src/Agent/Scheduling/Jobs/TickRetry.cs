namespace EtcdAgent.Scheduling.Jobs;

/// <summary>The backoff between retries of a failed tick: 30 s, doubling per failure, at most 10 min.</summary>
internal sealed class TickRetry
{
    public static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(10);

    private TimeSpan _next = FirstBackoff;

    /// <summary>The delay before the next retry; the one after is twice as long.</summary>
    public TimeSpan Next()
    {
        var delay = _next;
        _next = _next * 2 > MaxBackoff ? MaxBackoff : _next * 2;
        return delay;
    }

    public void Reset() => _next = FirstBackoff;
}

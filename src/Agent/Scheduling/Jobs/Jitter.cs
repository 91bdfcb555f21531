namespace EtcdAgent.Scheduling.Jobs;

/// <summary>A random delay up to the configured jitter, so agents on one schedule do not all start at once.</summary>
internal static class Jitter
{
    public static TimeSpan Next(TimeSpan max) =>
        max > TimeSpan.Zero ? TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * max.TotalMilliseconds) : TimeSpan.Zero;
}

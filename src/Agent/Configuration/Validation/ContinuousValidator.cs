using EtcdAgent.Configuration.Settings;

namespace EtcdAgent.Configuration.Validation;

/// <summary>continuous: whether the daemon captures every write, and how segments are cut.</summary>
internal static class ContinuousValidator
{
    public static ContinuousOptions Validate(ContinuousSettings s, FieldCheck f) => new()
    {
        Enabled = f.Bool("enabled", s.Enabled) ?? ContinuousOptions.DefaultEnabled,

        // Below a second the store sees a request per revision; above minutes the interval stops bounding the loss.
        Interval = f.Duration("interval", s.Interval, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5)) ?? ContinuousOptions.DefaultInterval,

        // A segment is built in memory and sent in one request: bounded well below the daemon's memory goal's reach.
        MaxSegmentBytes = f.Bytes("maxSegmentBytes", s.MaxSegmentBytes, 64L << 10, 64L << 20) ?? ContinuousOptions.DefaultMaxSegmentBytes,
    };
}

using System.Globalization;

namespace EtcdAgent.Protocol.Grpc;

/// <summary>Formats grpc-timeout: at most 8 digits and a unit (H, M, S, m, u, n).</summary>
internal static class GrpcTimeoutHeader
{
    private const long MaxValue = 99_999_999;

    public static string Format(TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero)
        {
            return "1n";
        }

        // Pick the finest unit that fits in 8 digits; round up so the server never sees a shorter deadline.
        var ticks = timeout.Ticks;
        var nanos = ticks * 100;
        if (ticks <= MaxValue / 100)
        {
            return Fmt(nanos, 'n');
        }

        (long Divisor, char Unit)[] units =
        [
            (TimeSpan.TicksPerMicrosecond, 'u'),
            (TimeSpan.TicksPerMillisecond, 'm'),
            (TimeSpan.TicksPerSecond, 'S'),
            (TimeSpan.TicksPerMinute, 'M'),
            (TimeSpan.TicksPerHour, 'H'),
        ];
        foreach (var (divisor, unit) in units)
        {
            var value = (ticks + divisor - 1) / divisor;
            if (value <= MaxValue)
            {
                return Fmt(value, unit);
            }
        }

        return Fmt(MaxValue, 'H');
    }

    private static string Fmt(long value, char unit) => value.ToString(CultureInfo.InvariantCulture) + unit;
}

using System.Globalization;

namespace EtcdAgent.Configuration;

/// <summary>
/// Sizes in configuration: IEC units ("16MiB", "1GiB"), SI units ("100MB"), or plain bytes. "M" alone is taken as
/// MiB, as Kubernetes quantities and etcd's quota flags read.
/// </summary>
internal static class ByteSizes
{
    private static readonly (string Unit, long Factor)[] Units =
    [
        ("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30), ("TiB", 1L << 40),
        ("Ki", 1L << 10), ("Mi", 1L << 20), ("Gi", 1L << 30), ("Ti", 1L << 40),
        ("KB", 1000), ("MB", 1000_000), ("GB", 1000_000_000), ("TB", 1000_000_000_000),
        ("K", 1L << 10), ("M", 1L << 20), ("G", 1L << 30), ("T", 1L << 40), ("B", 1),
    ];

    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        var s = text?.Trim().Replace(" ", string.Empty, StringComparison.Ordinal);
        if (string.IsNullOrEmpty(s))
        {
            return false;
        }

        long factor = 1;
        foreach (var (unit, f) in Units)
        {
            if (s.EndsWith(unit, StringComparison.OrdinalIgnoreCase))
            {
                factor = f;
                s = s[..^unit.Length];
                break;
            }
        }

        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || number < 0 || number * factor > long.MaxValue)
        {
            return false;
        }

        bytes = (long)(number * factor);
        return true;
    }

    /// <summary>The largest IEC unit that divides the value ("16MiB"), else bytes.</summary>
    public static string Format(long bytes)
    {
        foreach (var (unit, factor) in new[] { ("TiB", 1L << 40), ("GiB", 1L << 30), ("MiB", 1L << 20), ("KiB", 1L << 10) })
        {
            if (bytes >= factor && bytes % factor == 0)
            {
                return (bytes / factor).ToString(CultureInfo.InvariantCulture) + unit;
            }
        }

        return bytes.ToString(CultureInfo.InvariantCulture) + "B";
    }
}

using System.Globalization;

namespace EtcdAgent.Output;

/// <summary>Human-readable sizes in SI units, as etcdctl prints them (go-humanize Bytes: "20 kB", "1.2 GB").</summary>
internal static class ByteSize
{
    private static readonly string[] Units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];

    public static string Format(long bytes)
    {
        if (bytes < 10)
        {
            return bytes.ToString(CultureInfo.InvariantCulture) + " B";
        }

        var exponent = (int)Math.Floor(Math.Log(bytes) / Math.Log(1000));
        var value = Math.Floor(bytes / Math.Pow(1000, exponent) * 10 + 0.5) / 10;
        // Go's %.0f rounds half to even (20.5 -> "20"); match it so sizes read the same as etcdctl's.
        var text = value < 10
            ? value.ToString("0.0", CultureInfo.InvariantCulture)
            : Math.Round(value, MidpointRounding.ToEven).ToString("0", CultureInfo.InvariantCulture);
        return text + " " + Units[exponent];
    }
}

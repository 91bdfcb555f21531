using System.Globalization;
using System.Text.RegularExpressions;

namespace EtcdAgent.Doctor;

/// <summary>
/// The two [Service] settings the daemon depends on, read from an installed unit and its drop-ins the way systemd
/// merges them (drop-ins by file name, later assignments win).
/// </summary>
internal sealed partial record SystemdServiceSettings(string UnitFile, string? Type, TimeSpan? WatchdogSec, string? WatchdogText)
{
    public const string UnitName = "etcd-agent.service";

    /// <summary>systemd's own search order, most local first; SYSTEMD_UNIT_PATH replaces it (a trailing ':' appends it).</summary>
    public static readonly IReadOnlyList<string> DefaultDirs =
        ["/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"];

    public static IReadOnlyList<string> SearchDirs(Func<string, string?> environment)
    {
        if (environment("SYSTEMD_UNIT_PATH") is not { Length: > 0 } path)
        {
            return DefaultDirs;
        }

        var dirs = path.Split(':', StringSplitOptions.RemoveEmptyEntries).ToList();
        return path.EndsWith(':') ? [.. dirs, .. DefaultDirs] : dirs;
    }

    /// <summary>The installed unit's settings, or null when no directory has the unit.</summary>
    public static SystemdServiceSettings? Find(IReadOnlyList<string> dirs)
    {
        var unit = dirs.Select(d => Path.Combine(d, UnitName)).FirstOrDefault(File.Exists);
        if (unit is null)
        {
            return null;
        }

        var dropIns = dirs.Select(d => Path.Combine(d, UnitName + ".d"))
            .Where(Directory.Exists)
            .SelectMany(d => Directory.GetFiles(d, "*.conf"))
            .GroupBy(Path.GetFileName, StringComparer.Ordinal)
            .Select(g => g.First()) // the same name in a more local directory masks the others
            .OrderBy(Path.GetFileName, StringComparer.Ordinal);
        var service = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in dropIns.Prepend(unit))
        {
            ReadServiceSection(file, service);
        }

        var watchdogText = service.GetValueOrDefault("WatchdogSec");
        return new SystemdServiceSettings(unit, service.GetValueOrDefault("Type"), ParseTimeSpan(watchdogText), watchdogText);
    }

    /// <summary>systemd.time(7) spans: "30", "30s", "1min 30s", "500ms", "2h"; null when unparsable, zero when off.</summary>
    internal static TimeSpan? ParseTimeSpan(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var trimmed = text.Trim();
        if (trimmed is "" or "infinity")
        {
            return TimeSpan.Zero;
        }

        if (!WholeSpan().IsMatch(trimmed))
        {
            return null;
        }

        var total = TimeSpan.Zero;
        var matches = SpanPart().Matches(trimmed);
        foreach (Match m in matches)
        {
            var value = double.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture);
            total += m.Groups["u"].Value switch
            {
                "" or "s" or "sec" or "second" or "seconds" => TimeSpan.FromSeconds(value),
                "ms" or "msec" => TimeSpan.FromMilliseconds(value),
                "us" or "usec" => TimeSpan.FromMicroseconds(value),
                "m" or "min" or "minute" or "minutes" => TimeSpan.FromMinutes(value),
                "h" or "hr" or "hour" or "hours" => TimeSpan.FromHours(value),
                "d" or "day" or "days" => TimeSpan.FromDays(value),
                _ => TimeSpan.MinValue,
            };
        }

        return total < TimeSpan.Zero ? null : total;
    }

    private static void ReadServiceSection(string file, Dictionary<string, string> service)
    {
        var inService = false;
        foreach (var line in File.ReadLines(file).Select(l => l.Trim()).Where(l => l.Length > 0 && l[0] is not ('#' or ';')))
        {
            if (line.StartsWith('['))
            {
                inService = line == "[Service]";
            }
            else if (inService && line.Split('=', 2) is [var key, var value])
            {
                service[key.Trim()] = value.Trim();
            }
        }
    }

    [GeneratedRegex(@"(?<n>\d+(\.\d+)?)\s*(?<u>[a-z]*)")]
    private static partial Regex SpanPart();

    [GeneratedRegex(@"^(\d+(\.\d+)?\s*[a-z]*\s*)+$")]
    private static partial Regex WholeSpan();
}

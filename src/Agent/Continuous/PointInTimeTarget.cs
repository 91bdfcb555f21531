using System.Globalization;
using System.Text.RegularExpressions;
using EtcdAgent.Configuration;

namespace EtcdAgent.Continuous;

/// <summary>
/// The point a point-in-time download, restore or drill goes to: a revision (--at-revision R), or a time
/// (--at-time T: the last revision the agent received at or before T). Exactly one of the two.
/// </summary>
internal sealed partial record PointInTimeTarget
{
    private PointInTimeTarget(long? revision, DateTimeOffset? time)
    {
        Revision = revision;
        Time = time;
    }

    public long? Revision { get; }

    public DateTimeOffset? Time { get; }

    /// <summary>"revision 1234" or "time 2026-12-01T21:30:00.000Z", for messages.</summary>
    public override string ToString() => Revision is { } r ? $"revision {r.ToString(CultureInfo.InvariantCulture)}" : "time " + FormatTime(Time!.Value);

    public static PointInTimeTarget AtRevision(long revision) => revision >= 1
        ? new PointInTimeTarget(revision, null)
        : throw new ConfigurationException($"--at-revision {revision.ToString(CultureInfo.InvariantCulture)}: a revision is 1 or more (see the windows in `etcd-agent backup list`)");

    public static PointInTimeTarget AtTime(DateTimeOffset time) => new(null, time);

    /// <summary>
    /// The target the two flags name, or null when neither is given; both, a revision below 1 or a time that is not
    /// RFC 3339 are usage errors that say what to pass.
    /// </summary>
    public static PointInTimeTarget? FromFlags(long? revision, string? time)
    {
        if (revision is not null && time is not null)
        {
            throw new ConfigurationException("--at-revision and --at-time both name the point to go to: pass only one of them");
        }

        return revision is { } r ? AtRevision(r) : time is not null ? AtTime(ParseTime(time, "--at-time")) : null;
    }

    /// <summary>An RFC 3339 date-time with its offset (Z or ±hh:mm), seconds required, fractions optional.</summary>
    public static DateTimeOffset ParseTime(string text, string flag)
    {
        ArgumentNullException.ThrowIfNull(text);
        var match = Rfc3339().Match(text);
        if (!match.Success)
        {
            throw new ConfigurationException(
                $"{flag} {text}: expected an RFC 3339 time with its offset, such as 2026-12-01T21:30:00Z or 2026-12-01T22:30:00.250+01:00");
        }

        // .NET parses at most 7 fractional digits (100 ns); RFC 3339 allows any number, and receive times are ms.
        var fraction = match.Groups["fraction"].Value;
        var normal = $"{match.Groups["date"].Value}T{match.Groups["time"].Value}{(fraction.Length > 8 ? fraction[..8] : fraction)}{match.Groups["offset"].Value.ToUpperInvariant()}";
        return DateTimeOffset.TryParse(normal, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed)
            ? parsed
            : throw new ConfigurationException($"{flag} {text}: not a valid date or time of day (RFC 3339, such as 2026-12-01T21:30:00Z)");
    }

    /// <summary>A time as the CLI prints them: UTC, milliseconds, RFC 3339.</summary>
    public static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^(?<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[Tt](?<time>[0-9]{2}:[0-9]{2}:[0-9]{2})(?<fraction>\.[0-9]{1,9})?(?<offset>[Zz]|[+-][0-9]{2}:[0-9]{2})\z", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();
}

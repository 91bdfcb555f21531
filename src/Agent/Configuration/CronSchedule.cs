using Quartz;

namespace EtcdAgent.Configuration;

/// <summary>
/// A cron schedule with a time zone, evaluated by Quartz's <see cref="CronExpression"/>. Accepts Quartz's own 6/7-field
/// form ("0 0 */6 * * ?") and the common 5-field form ("0 */6 * * *"), which is translated: a seconds field of 0
/// is added and one of day-of-month/day-of-week becomes '?', as Quartz requires. Both days given is refused with
/// the Quartz spelling to use instead, since the two dialects mean different things by it. A parsed configuration
/// value: the loader validates schedule.* with it and Scheduling runs it, so it lives here, below both.
/// </summary>
internal sealed class CronSchedule
{
    private readonly CronExpression _expression;

    private CronSchedule(string text, string quartz, TimeZoneInfo zone)
    {
        Text = text;
        Quartz = quartz;
        Zone = zone;
        _expression = new CronExpression(quartz, zone);
    }

    /// <summary>As written in the configuration.</summary>
    public string Text { get; }

    /// <summary>The Quartz expression it runs as.</summary>
    public string Quartz { get; }

    /// <summary>The time zone its fields are read in.</summary>
    public TimeZoneInfo Zone { get; }

    /// <summary>Parses a schedule; the error message says what is wrong and, for 5-field input, the Quartz equivalent.</summary>
    public static CronSchedule Parse(string text, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(text);
        var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string quartz;
        if (fields.Length == 5)
        {
            var (dom, dow) = (fields[2], fields[4]);
            if (dom != "*" && dow != "*" && dom != "?" && dow != "?")
            {
                throw new FormatException(
                    $"\"{text}\" restricts both day-of-month and day-of-week, which cron ORs and Quartz cannot express; pick one, e.g. \"0 {fields[0]} {fields[1]} {dom} {fields[3]} ?\"");
            }

            if (dow == "*" || dow == "?")
            {
                dow = "?";
            }
            else
            {
                dom = "?";
            }

            // 5-field cron counts Sunday as 0 (and 7); Quartz as 1 (SUN) through 7 (SAT).
            dow = dow == "?" ? dow : TranslateWeekdays(dow, text);
            quartz = $"0 {fields[0]} {fields[1]} {dom} {fields[3]} {dow}";
        }
        else if (fields.Length is 6 or 7)
        {
            quartz = string.Join(' ', fields);
        }
        else
        {
            throw new FormatException($"\"{text}\" has {fields.Length} fields; use 5-field cron (\"0 */6 * * *\") or Quartz's 6/7-field form (\"0 0 */6 * * ?\")");
        }

        try
        {
            return new CronSchedule(text, quartz, zone);
        }
        catch (FormatException ex)
        {
            throw new FormatException($"\"{text}\" is not a valid schedule ({ex.Message}){(fields.Length == 5 ? $"; as Quartz it reads \"{quartz}\"" : string.Empty)}", ex);
        }
    }

    /// <summary>The first fire time strictly after <paramref name="after"/>, or null if there is none.</summary>
    public DateTimeOffset? Next(DateTimeOffset after) => _expression.GetNextValidTimeAfter(after);

    /// <summary>The latest fire time at or before <paramref name="now"/> after <paramref name="since"/> (a missed tick), or null.</summary>
    public DateTimeOffset? LastMissed(DateTimeOffset since, DateTimeOffset now)
    {
        DateTimeOffset? last = null;

        // Only the most recent miss matters; a week back bounds the walk for very frequent schedules.
        if (now - since > TimeSpan.FromDays(7))
        {
            since = now - TimeSpan.FromDays(7);
        }

        for (var t = Next(since); t is { } fire && fire <= now; t = Next(fire))
        {
            last = fire;
        }

        return last;
    }

    private static string TranslateWeekdays(string field, string text)
    {
        // Only day numbers move; a step ("1-5/2") keeps its count.
        var slash = field.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            return TranslateWeekdays(field[..slash], text) + field[slash..];
        }

        var result = new System.Text.StringBuilder();
        foreach (var ch in field)
        {
            if (char.IsAsciiDigit(ch))
            {
                var day = ch - '0';
                if (day > 7)
                {
                    throw new FormatException($"\"{text}\": day of week {day} is out of range 0-7");
                }

                result.Append((char)('0' + ((day % 7) + 1)));
            }
            else
            {
                result.Append(ch);
            }
        }

        return result.ToString();
    }
}

using System.Globalization;
using EtcdAgent.Configuration;

namespace EtcdAgent.Retention;

/// <summary>
/// Which backups to keep: the newest N, plus grandfather-father-son counts — for each of the last H hours, D days,
/// W ISO weeks and M months that have backups, the newest backup in it — with periods taken in the configured time
/// zone (a "daily" backup is the operator's day, not UTC's). The newest backup is always kept. Pure: no store, no
/// clock; the <see cref="Pruner"/> applies it.
/// </summary>
internal static class RetentionPolicy
{
    /// <summary>A backup as the policy sees it.</summary>
    public sealed record Entry(string Id, DateTimeOffset CreatedAt);

    /// <summary>The verdict on one backup: kept with the rules that keep it, or deleted.</summary>
    public sealed record Decision(Entry Backup, IReadOnlyList<string> KeptBecause)
    {
        public bool Keep => KeptBecause.Count > 0;
    }

    /// <summary>Decisions for every entry, newest first.</summary>
    public static IReadOnlyList<Decision> Apply(IEnumerable<Entry> backups, RetentionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var ordered = backups.OrderByDescending(b => b.CreatedAt).ThenByDescending(b => b.Id, StringComparer.Ordinal).ToList();
        var reasons = ordered.ToDictionary(b => b, _ => new List<string>());
        for (var i = 0; i < ordered.Count && i < Math.Max(1, options.KeepLast); i++)
        {
            reasons[ordered[i]].Add(i == 0 ? "newest" : "last");
        }

        KeepPerPeriod(ordered, reasons, options.Hourly, "hourly", t => t.ToString("yyyy-MM-dd HH", CultureInfo.InvariantCulture), options.TimeZone);
        KeepPerPeriod(ordered, reasons, options.Daily, "daily", t => t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), options.TimeZone);
        KeepPerPeriod(ordered, reasons, options.Weekly, "weekly",
            t => $"{ISOWeek.GetYear(t.DateTime)}-W{ISOWeek.GetWeekOfYear(t.DateTime):D2}", options.TimeZone);
        KeepPerPeriod(ordered, reasons, options.Monthly, "monthly", t => t.ToString("yyyy-MM", CultureInfo.InvariantCulture), options.TimeZone);
        return ordered.Select(b => new Decision(b, reasons[b])).ToList();
    }

    private static void KeepPerPeriod(List<Entry> newestFirst, Dictionary<Entry, List<string>> reasons, int count, string rule,
        Func<DateTimeOffset, string> period, TimeZoneInfo zone)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var backup in newestFirst)
        {
            if (seen.Count >= count)
            {
                return;
            }

            // The first (newest) backup met in a period represents it.
            if (seen.Add(period(TimeZoneInfo.ConvertTime(backup.CreatedAt, zone))))
            {
                reasons[backup].Add(rule);
            }
        }
    }
}

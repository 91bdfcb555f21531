using EtcdAgent.Configuration.Settings;

namespace EtcdAgent.Configuration.Validation;

/// <summary>retention: how many backups of each age are kept, and the brakes on deleting.</summary>
internal static class RetentionValidator
{
    private const int MaxCount = 100_000;

    public static RetentionOptions Validate(RetentionSettings s, FieldCheck f) => new()
    {
        KeepLast = f.Int("keepLast", s.KeepLast, 1, MaxCount) ?? RetentionOptions.DefaultKeepLast,
        Hourly = f.Int("hourly", s.Hourly, 0, MaxCount) ?? RetentionOptions.DefaultHourly,
        Daily = f.Int("daily", s.Daily, 0, MaxCount) ?? RetentionOptions.DefaultDaily,
        Weekly = f.Int("weekly", s.Weekly, 0, MaxCount) ?? RetentionOptions.DefaultWeekly,
        Monthly = f.Int("monthly", s.Monthly, 0, MaxCount) ?? RetentionOptions.DefaultMonthly,
        TimeZone = f.TimeZone("timeZone", s.TimeZone) ?? RetentionOptions.DefaultTimeZone,
        MaxDeleteFraction = f.Fraction("maxDeleteFraction", s.MaxDeleteFraction) ?? RetentionOptions.DefaultMaxDeleteFraction,
        OrphanGrace = f.Duration("orphanGrace", s.OrphanGrace, TimeSpan.FromMinutes(10), TimeSpan.FromDays(365)) ?? RetentionOptions.DefaultOrphanGrace,
    };
}

using EtcdAgent.Configuration;
using EtcdAgent.Retention;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Retention;

public sealed class RetentionPolicyTests
{
    private static readonly DateTimeOffset Start = new(2024, 1, 1, 0, 30, 0, TimeSpan.Zero);

    [Fact]
    public void KeepsTheGfsCountsOverYearsOfHourlyBackupsWithPruningAfterEachOne()
    {
        var options = new RetentionOptions { KeepLast = 3, Hourly = 24, Daily = 7, Weekly = 4, Monthly = 12 };
        var kept = new List<RetentionPolicy.Entry>();

        // Two years of hourly backups, pruned after each (as the daemon does): the set must stay bounded.
        for (var hour = 0; hour < 2 * 365 * 24; hour++)
        {
            kept.Add(new RetentionPolicy.Entry($"b{hour}", Start.AddHours(hour)));
            kept = RetentionPolicy.Apply(kept, options).Where(d => d.Keep).Select(d => d.Backup).ToList();
            Assert.True(kept.Count <= 3 + 24 + 7 + 4 + 12, $"hour {hour}: {kept.Count} kept");
        }

        var newest = Start.AddHours((2 * 365 * 24) - 1);
        var ages = kept.Select(k => newest - k.CreatedAt).ToList();
        Assert.Contains(TimeSpan.Zero, ages);
        Assert.Equal(12, kept.Select(k => (k.CreatedAt.Year, k.CreatedAt.Month)).Distinct().Count());
        Assert.Contains(ages, a => a > TimeSpan.FromDays(300)); // a monthly backup from about a year ago survives
        Assert.DoesNotContain(ages, a => a > TimeSpan.FromDays(366));
        Assert.Equal(24, kept.Count(k => newest - k.CreatedAt < TimeSpan.FromHours(24)));
    }

    [Fact]
    public void TheNewestIsAlwaysKeptEvenWithAllCountsAtZero()
    {
        var entries = Enumerable.Range(0, 5).Select(i => new RetentionPolicy.Entry($"b{i}", Start.AddDays(i))).ToList();
        var decisions = RetentionPolicy.Apply(entries, new RetentionOptions { KeepLast = 1, Daily = 0, Weekly = 0, Monthly = 0 });
        var keep = Assert.Single(decisions, d => d.Keep);
        Assert.Equal("b4", keep.Backup.Id);
        Assert.Equal(["newest"], keep.KeptBecause);
    }

    [Fact]
    public void DaysAreTheOperatorsDaysInTheConfiguredTimeZone()
    {
        // 23:30 UTC on Jan 1 is Jan 2 in Berlin: with one daily slot per local day, both are kept there but not in UTC.
        var entries = new[]
        {
            new RetentionPolicy.Entry("evening", new DateTimeOffset(2024, 1, 1, 23, 30, 0, TimeSpan.Zero)),
            new RetentionPolicy.Entry("afternoon", new DateTimeOffset(2024, 1, 1, 15, 0, 0, TimeSpan.Zero)),
            new RetentionPolicy.Entry("newest", new DateTimeOffset(2024, 1, 2, 12, 0, 0, TimeSpan.Zero)),
        };
        var utc = RetentionPolicy.Apply(entries, new RetentionOptions { KeepLast = 1, Daily = 3, Weekly = 0, Monthly = 0 });
        var berlin = RetentionPolicy.Apply(entries, new RetentionOptions
        {
            KeepLast = 1,
            Daily = 3,
            Weekly = 0,
            Monthly = 0,
            TimeZone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"),
        });

        Assert.Equal(["newest", "evening"], utc.Where(d => d.Keep).Select(d => d.Backup.Id));
        Assert.Equal(["newest", "afternoon"], berlin.Where(d => d.Keep).Select(d => d.Backup.Id));
    }
}

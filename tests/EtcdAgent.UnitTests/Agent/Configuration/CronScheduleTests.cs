using EtcdAgent.Configuration;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Configuration;

public sealed class CronScheduleTests
{
    private static readonly DateTimeOffset Monday = new(2026, 11, 23, 10, 17, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("0 */6 * * *", "0 0 */6 * * ?")]
    [InlineData("30 2 * * 0", "0 30 2 ? * 1")] // Sunday is 0 in cron, 1 in Quartz
    [InlineData("0 3 * * 1-5", "0 0 3 ? * 2-6")]
    [InlineData("0 3 1 * *", "0 0 3 1 * ?")]
    [InlineData("0 0 */6 * * ?", "0 0 */6 * * ?")]
    public void FiveFieldCronIsTranslatedToQuartz(string text, string quartz) =>
        Assert.Equal(quartz, CronSchedule.Parse(text, TimeZoneInfo.Utc).Quartz);

    [Fact]
    public void NextFiresInTheConfiguredTimeZone()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var daily = CronSchedule.Parse("0 2 * * *", berlin);

        // 02:00 in Berlin in November (UTC+1) is 01:00 UTC.
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 1, 0, 0, TimeSpan.Zero), daily.Next(Monday)!.Value.ToUniversalTime());
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero), CronSchedule.Parse("0 */6 * * *", TimeZoneInfo.Utc).Next(Monday));
    }

    [Fact]
    public void LastMissedFindsTheNewestTickSinceTheLastRun()
    {
        var hourly = CronSchedule.Parse("0 * * * *", TimeZoneInfo.Utc);
        Assert.Equal(Monday.AddMinutes(-17), hourly.LastMissed(Monday.AddHours(-5), Monday));
        Assert.Null(hourly.LastMissed(Monday.AddMinutes(-10), Monday)); // nothing fired since 10:07
    }

    [Theory]
    [InlineData("0 3 1 * 1", "restricts both day-of-month and day-of-week")]
    [InlineData("0 3 * *", "has 4 fields")]
    [InlineData("61 * * * *", "not a valid schedule")]
    [InlineData("0 3 * * 9", "out of range")]
    public void BadSchedulesSayWhatIsWrong(string text, string message)
    {
        var error = Assert.Throws<FormatException>(() => CronSchedule.Parse(text, TimeZoneInfo.Utc));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}

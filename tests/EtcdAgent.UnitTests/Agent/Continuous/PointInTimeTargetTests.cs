using EtcdAgent.Configuration;
using EtcdAgent.Continuous;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Continuous;

/// <summary>--at-revision and --at-time: one of them, an RFC 3339 time with its offset, clear usage errors otherwise.</summary>
public sealed class PointInTimeTargetTests
{
    [Theory]
    [InlineData("2026-12-01T21:30:00Z", "2026-12-01T21:30:00.000Z")]
    [InlineData("2026-12-01t21:30:00z", "2026-12-01T21:30:00.000Z")]
    [InlineData("2026-12-01T22:30:00+01:00", "2026-12-01T21:30:00.000Z")]
    [InlineData("2026-12-01T16:00:00.250-05:30", "2026-12-01T21:30:00.250Z")]
    [InlineData("2026-12-01T21:30:00.123456789Z", "2026-12-01T21:30:00.123Z")]
    public void RfcThreeThreeThreeNineTimesParse(string text, string utc) =>
        Assert.Equal(utc, PointInTimeTarget.FormatTime(PointInTimeTarget.FromFlags(null, text)!.Time!.Value));

    [Theory]
    [InlineData("2026-12-01T21:30:00")] // no offset: whose local time?
    [InlineData("2026-12-01 21:30:00Z")]
    [InlineData("2026-12-01T21:30Z")]
    [InlineData("yesterday")]
    [InlineData("1764624600")]
    [InlineData("2026-13-01T21:30:00Z")]
    [InlineData("2026-02-30T21:30:00Z")]
    [InlineData("2026-12-01T25:30:00Z")]
    [InlineData("2026-12-01T21:30:00Z\n")]
    [InlineData("")]
    public void OtherTimesAreUsageErrorsThatShowTheFormat(string text)
    {
        var error = Assert.Throws<ConfigurationException>(() => PointInTimeTarget.FromFlags(null, text));
        Assert.Contains("--at-time", error.Message, StringComparison.Ordinal);
        Assert.Contains("RFC 3339", error.Message, StringComparison.Ordinal);
        Assert.Contains("2026-12-01T21:30:00Z", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BothFlagsAreAUsageError()
    {
        var error = Assert.Throws<ConfigurationException>(() => PointInTimeTarget.FromFlags(5, "2026-12-01T21:30:00Z"));
        Assert.Contains("only one", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NeitherFlagIsNoTarget() => Assert.Null(PointInTimeTarget.FromFlags(null, null));

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void ARevisionBelowOneIsAUsageError(long revision) =>
        Assert.Throws<ConfigurationException>(() => PointInTimeTarget.FromFlags(revision, null));

    [Fact]
    public void ARevisionIsKept() => Assert.Equal(42, PointInTimeTarget.FromFlags(42, null)!.Revision);
}

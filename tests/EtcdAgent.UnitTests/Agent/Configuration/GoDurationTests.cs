using EtcdAgent.Configuration;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Configuration;

public sealed class GoDurationTests
{
    [Theory]
    [InlineData("2s", 2000)]
    [InlineData("500ms", 500)]
    [InlineData("1m30s", 90_000)]
    [InlineData("1.5h", 5_400_000)]
    [InlineData("0", 0)]
    public void ParsesEtcdctlStyleDurations(string text, double milliseconds)
    {
        Assert.True(GoDuration.TryParse(text, out var value));
        Assert.Equal(milliseconds, value.TotalMilliseconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("5 seconds")]
    [InlineData("s")]
    [InlineData("-1s")]
    public void RejectsWhatGoWouldReject(string text) => Assert.False(GoDuration.TryParse(text, out _));
}

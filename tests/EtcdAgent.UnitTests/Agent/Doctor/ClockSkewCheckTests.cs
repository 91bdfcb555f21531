using EtcdAgent.Doctor;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Doctor;

public sealed class ClockSkewCheckTests
{
    private static readonly Uri Endpoint = new("http://127.0.0.1:2379");

    [Theory]
    [InlineData(0, "Pass")]
    [InlineData(-2, "Pass")]
    [InlineData(2.5, "Warn")]
    [InlineData(-30, "Warn")]
    [InlineData(31, "Fail")]
    [InlineData(-3600, "Fail")]
    public void EvaluateWarnsAboveTwoSecondsAndFailsAboveThirty(double seconds, string expected)
    {
        var result = ClockSkewCheck.Evaluate(TimeSpan.FromSeconds(seconds), Endpoint);

        Assert.Equal(expected, result.Status.ToString());
        if (expected != "Pass")
        {
            Assert.Contains("NTP", result.Fix, StringComparison.Ordinal);
        }
    }
}

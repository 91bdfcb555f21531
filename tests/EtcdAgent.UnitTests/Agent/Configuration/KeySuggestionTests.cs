using EtcdAgent.Configuration;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Configuration;

public sealed class KeySuggestionTests
{
    private static readonly string[] Schedule = ["backup", "drill", "jitter", "leaderDelay", "mode", "prune", "stateDir", "timeZone"];

    [Theory]
    [InlineData("backpu", "backup")] // two neighbours swapped: one edit
    [InlineData("bakup", "backup")] // one letter missing
    [InlineData("backupp", "backup")] // one letter too many
    [InlineData("leaderdelay", "leaderDelay")] // case only
    [InlineData("TIMEZONE", "timeZone")] // case only, however far in edits
    [InlineData("stateDirs", "stateDir")]
    [InlineData("mod", "mode")]
    public void ACloseKeyIsSuggested(string typed, string expected) =>
        Assert.Equal(expected, KeySuggestion.Closest(typed, Schedule));

    [Theory]
    [InlineData("x")] // two edits from several keys, but half the name or more changed is not a typo
    [InlineData("cron")]
    [InlineData("backupSchedule")]
    [InlineData("retention")]
    public void AFarKeyGetsNoSuggestion(string typed) => Assert.Null(KeySuggestion.Closest(typed, Schedule));

    [Fact]
    public void AHugeKeyIsNotComparedLetterByLetter() =>
        Assert.Null(KeySuggestion.Closest(new string('b', 5_000_000), Schedule));

    [Theory]
    [InlineData("backup", "backup", 0)]
    [InlineData("backpu", "backup", 1)]
    [InlineData("bcakpu", "backup", 2)]
    [InlineData("", "mode", 4)]
    [InlineData("kitten", "sitting", 3)]
    public void DistanceCountsInsertionsDeletionsSubstitutionsAndSwaps(string a, string b, int expected) =>
        Assert.Equal(expected, KeySuggestion.Distance(a, b));
}

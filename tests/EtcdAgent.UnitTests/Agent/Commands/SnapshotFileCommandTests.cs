using System.Text.Json;
using EtcdAgent.Failures;
using EtcdAgent.UnitTests.Agent.Verification;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Commands;

public sealed class SnapshotFileCommandTests
{
    [Fact]
    public async Task StatusJsonStartsWithEtcdctlsFourFields()
    {
        var cli = new CliHarness();
        var code = await cli.RunAsync("snapshot", "status", SnapshotFixture.FixturePath("valid-small.db"), "-w", "json");

        Assert.Equal(ExitCodes.Success, code);
        using var doc = JsonDocument.Parse(cli.Out.ToString());
        var names = doc.RootElement.EnumerateObject().Select(p => p.Name).Take(4);
        Assert.Equal(["hash", "revision", "totalKey", "totalSize"], names);
        Assert.Equal(2474808075, doc.RootElement.GetProperty("hash").GetInt64());
        Assert.Equal(52, doc.RootElement.GetProperty("liveKeys").GetInt64());
    }

    [Fact]
    public async Task StatusTablePrintsTheHashInHexLikeEtcdctl()
    {
        var cli = new CliHarness();
        await cli.RunAsync("snapshot", "status", SnapshotFixture.FixturePath("valid-small.db"));

        Assert.Contains(2474808075u.ToString("x", System.Globalization.CultureInfo.InvariantCulture), cli.Out.ToString(), StringComparison.Ordinal);
        Assert.Contains("53 kB", cli.Out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyExitsZeroSixAndSeven()
    {
        var valid = new CliHarness();
        var corrupt = new CliHarness();
        var missing = new CliHarness();

        Assert.Equal(ExitCodes.Success, await valid.RunAsync("snapshot", "verify", SnapshotFixture.FixturePath("valid-small.db")));
        Assert.Equal(ExitCodes.Corrupt, await corrupt.RunAsync("snapshot", "verify", SnapshotFixture.FixturePath("corrupted-leaf-element.db")));
        Assert.Equal(ExitCodes.CannotRead, await missing.RunAsync("snapshot", "verify", "/nonexistent/snap.db"));

        Assert.StartsWith("OK:", valid.Out.ToString(), StringComparison.Ordinal);
        Assert.Contains("CORRUPT:", corrupt.Out.ToString(), StringComparison.Ordinal);
        Assert.Contains("page 3", corrupt.Out.ToString(), StringComparison.Ordinal);
        Assert.Contains("no such file", missing.Error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyOfADirectoryIsCannotRead()
    {
        var cli = new CliHarness();
        Assert.Equal(ExitCodes.CannotRead, await cli.RunAsync("snapshot", "verify", Path.GetTempPath()));
    }

    [Fact]
    public async Task StatusOfACorruptFileExitsSix()
    {
        var cli = new CliHarness();
        Assert.Equal(ExitCodes.Corrupt, await cli.RunAsync("snapshot", "status", SnapshotFixture.FixturePath("corrupted-leaf-element.db")));
        Assert.Contains("corrupt", cli.Error.ToString(), StringComparison.Ordinal);
    }
}

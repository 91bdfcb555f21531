using System.Text.Json;
using EtcdAgent.IntegrationTests.Fixtures;
using Xunit;

namespace EtcdAgent.IntegrationTests.Cli;

/// <summary>End to end: the built binary against a real 3-member cluster.</summary>
public sealed class EndpointAndMemberCliTests(ThreeMemberFixture fixture) : IClassFixture<ThreeMemberFixture>
{
    [Fact]
    public async Task EndpointStatusJsonDescribesEveryEndpoint()
    {
        var result = await AgentBinary.RunAsync("endpoint", "status", "--endpoints", fixture.Cluster.Endpoints, "-w", "json");

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var doc = JsonDocument.Parse(result.Stdout);
        var rows = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(3, rows.Count);
        Assert.Single(rows, r => r.GetProperty("isLeader").GetBoolean());
        Assert.All(rows, r => Assert.StartsWith("3.4", r.GetProperty("version").GetString(), StringComparison.Ordinal));
        Assert.Single(rows.Select(r => r.GetProperty("leader").GetString()).Distinct());
    }

    [Fact]
    public async Task EndpointStatusClusterFindsAllMembersFromOne()
    {
        var result = await AgentBinary.RunAsync("endpoint", "status", "--cluster", "--endpoints", fixture.Cluster.ClientUrls[1].ToString(), "-w", "json");

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var doc = JsonDocument.Parse(result.Stdout);
        Assert.Equal(3, doc.RootElement.GetArrayLength());
    }

    [Fact]
    public async Task EndpointStatusTableLooksLikeEtcdctls()
    {
        var result = await AgentBinary.RunAsync("endpoint", "status", "--endpoints", fixture.Cluster.Endpoints);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(result.Stdout.Split('\n'), l => l.StartsWith('|') && l.Contains("ENDPOINT", StringComparison.Ordinal));
        Assert.Contains("RAFT APPLIED INDEX", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(3, result.Stdout.Split('\n').Count(l => l.Contains("| http://127.0.0.1:", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task MemberListMatchesEtcdctlMemberIds()
    {
        var ours = await AgentBinary.RunAsync("member", "list", "--endpoints", fixture.Cluster.Endpoints, "-w", "json");
        var theirs = await fixture.Cluster.EtcdctlAsync("member", "list");

        Assert.True(ours.ExitCode == 0, ours.Stderr);
        using var doc = JsonDocument.Parse(ours.Stdout);
        var ids = doc.RootElement.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("id").GetString()!).Order().ToList();
        var etcdctlIds = theirs.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(',')[0].Trim()).Order().ToList();
        Assert.Equal(etcdctlIds, ids);
    }

    [Fact]
    public async Task EndpointHealthReportsEveryMemberHealthy()
    {
        var result = await AgentBinary.RunAsync("endpoint", "health", "--endpoints", fixture.Cluster.Endpoints, "-w", "json");

        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        using var doc = JsonDocument.Parse(result.Stdout);
        Assert.All(doc.RootElement.EnumerateArray(), r => Assert.True(r.GetProperty("health").GetBoolean()));
    }
}

/// <summary>The exit codes and messages an operator sees when something is wrong.</summary>
public sealed class CliFailureTests
{
    [Fact]
    public async Task DeadEndpointExitsUnavailableQuicklyWithAHint()
    {
        var port = FreePorts.Next();
        var result = await AgentBinary.RunAsync("endpoint", "status", "--endpoints", $"http://127.0.0.1:{port}", "--dial-timeout", "1s");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains($"127.0.0.1:{port}", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("Is etcd running", result.Stderr, StringComparison.Ordinal);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(15), $"took {result.Elapsed}");
    }

    [Fact]
    public async Task UnhealthyEndpointExitsFive()
    {
        var result = await AgentBinary.RunAsync("endpoint", "health", "--endpoints", $"http://127.0.0.1:{FreePorts.Next()}");

        Assert.Equal(5, result.ExitCode);
        Assert.Contains("false", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownFlagExitsTwo()
    {
        var result = await AgentBinary.RunAsync("endpoint", "status", "--no-such-flag");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--no-such-flag", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PasswordOnTheCommandLineIsRefused()
    {
        var result = await AgentBinary.RunAsync("member", "list", "--user", "root:hunter2");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--password-file", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", result.Stderr, StringComparison.Ordinal);
    }
}

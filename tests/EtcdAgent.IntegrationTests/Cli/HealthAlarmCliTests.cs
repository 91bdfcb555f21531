using System.Text.Json;
using EtcdAgent.IntegrationTests.Fixtures;
using Etcdserverpb;
using Xunit;

namespace EtcdAgent.IntegrationTests.Cli;

/// <summary>Raises a real NOSPACE alarm, so it has an etcd of its own.</summary>
public sealed class HealthAlarmCliTests(SingleEtcdFixture fixture) : IClassFixture<SingleEtcdFixture>
{
    [Fact]
    public async Task ActiveAlarmMakesTheEndpointUnhealthyUntilDisarmed()
    {
        using var client = fixture.Cluster.Client();
        var member = (await client.StatusAsync(fixture.Cluster.First.ClientUrl)).Header.MemberId;
        var alarm = new AlarmRequest { Action = AlarmRequest.Types.AlarmAction.Activate, MemberID = member, Alarm = AlarmType.Nospace };
        await client.AlarmAsync(alarm);

        var alarmed = await AgentBinary.RunAsync("endpoint", "health", "--endpoints", fixture.Cluster.Endpoints, "-w", "json");
        alarm.Action = AlarmRequest.Types.AlarmAction.Deactivate;
        await client.AlarmAsync(alarm);
        var healthy = await AgentBinary.RunAsync("endpoint", "health", "--endpoints", fixture.Cluster.Endpoints, "-w", "json");

        Assert.Equal(5, alarmed.ExitCode);
        using var doc = JsonDocument.Parse(alarmed.Stdout);
        var row = doc.RootElement[0];
        Assert.False(row.GetProperty("health").GetBoolean());
        Assert.Contains("NOSPACE", row.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.True(healthy.ExitCode == 0, healthy.Stdout + healthy.Stderr);
    }
}

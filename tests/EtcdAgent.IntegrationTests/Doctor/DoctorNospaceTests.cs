using EtcdAgent.IntegrationTests.Fixtures;
using EtcdAgent.Protocol.Etcd;
using Xunit;
using static EtcdAgent.IntegrationTests.Doctor.DoctorAssert;

namespace EtcdAgent.IntegrationTests.Doctor;

/// <summary>A real NOSPACE alarm: an etcd with a 2 MiB quota, filled until it refuses writes.</summary>
public sealed class DoctorNospaceTests : IAsyncLifetime, IDisposable
{
    private readonly TempDir _dir = new("etcd-agent-doctor-nospace");
    private EtcdCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await EtcdCluster.StartAsync(extraArgs: ["--quota-backend-bytes", (2L << 20).ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        using var client = _cluster.Client();
        var value = new string('x', 512 << 10);
        // etcd checks the quota against the backend's size, which grows when a batch commits (every 100 ms): a
        // fast client can land 20 puts in one batch, so keep writing, a batch apart, until the alarm is raised.
        for (var i = 0; i < 100; i++)
        {
            try
            {
                await client.PutAsync($"/fill/{i}", value);
            }
            catch (EtcdRpcException)
            {
                return; // database space exceeded: the alarm is raised
            }

            await Task.Delay(120);
        }

        throw new InvalidOperationException("etcd never ran out of quota");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _cluster?.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task MemberRoleAndHealthFailsOnANospaceAlarmWithTheFix()
    {
        var harness = new DoctorHarness(_dir);
        var config = harness.WriteConfig(DoctorHarness.Etcd(_cluster.Endpoints), harness.LocalStore());

        var result = await harness.RunAsync(config, "member role and health");

        Fails(result, "etcdctl alarm disarm");
        Assert.Contains("NOSPACE alarm", result.Detail, StringComparison.Ordinal);
    }
}

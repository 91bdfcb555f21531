using EtcdAgent.IntegrationTests.Fixtures;
using Etcdserverpb;
using Google.Protobuf;
using Xunit;

namespace EtcdAgent.IntegrationTests.Protocol;

public sealed class LeaseTests(SingleEtcdFixture fixture) : IClassFixture<SingleEtcdFixture>
{
    // A 3 s lease (was 2 s): etcd reports the remaining TTL in whole seconds rounded down, and under the full suite on
    // 2 cores a renewal (every TTL/3) came over a second late once, so a live 2 s lease read "TTL 0" (a clean-clone CI run).
    [Fact]
    public async Task KeepAliveKeepsAThreeSecondLeaseAliveForNineSeconds()
    {
        using var client = fixture.Cluster.Client();
        var lease = await client.LeaseGrantAsync(3);
        await client.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("/lease/held"), Value = ByteString.CopyFromUtf8("x"), Lease = lease.ID });

        await using (var keepAlive = client.KeepAlive(lease.ID, TimeSpan.FromSeconds(3)))
        {
            await Task.Delay(TimeSpan.FromSeconds(9));

            var ttl = await client.LeaseTimeToLiveAsync(lease.ID, keys: true);
            Assert.True(ttl.TTL > 0, $"lease TTL {ttl.TTL} after 9 s");
            Assert.Equal("/lease/held", Assert.Single(ttl.Keys).ToStringUtf8());
            Assert.True(keepAlive.Renewals >= 6, $"only {keepAlive.Renewals} renewals in 9 s (one per TTL/3 expected)");
            Assert.False(keepAlive.Lost.IsCompleted);
        }

        await client.LeaseRevokeAsync(lease.ID);
        Assert.Equal(-1, (await client.LeaseTimeToLiveAsync(lease.ID)).TTL);
        Assert.Empty((await client.GetAsync("/lease/held")).Kvs);
    }

    [Fact]
    public async Task LeaseWithoutKeepAliveExpires()
    {
        using var client = fixture.Cluster.Client();
        var lease = await client.LeaseGrantAsync(1);

        await Task.Delay(TimeSpan.FromSeconds(3));

        Assert.Equal(-1, (await client.LeaseTimeToLiveAsync(lease.ID)).TTL);
    }

    [Fact]
    public async Task KeepAliveReportsLossWhenLeaseIsRevoked()
    {
        using var client = fixture.Cluster.Client();
        var lease = await client.LeaseGrantAsync(3);
        await using var keepAlive = client.KeepAlive(lease.ID, TimeSpan.FromSeconds(3));
        await Task.Delay(300);

        await client.LeaseRevokeAsync(lease.ID);
        var reason = await keepAlive.Lost.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Contains("no longer exists", reason, StringComparison.Ordinal);
    }
}

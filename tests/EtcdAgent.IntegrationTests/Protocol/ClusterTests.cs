using EtcdAgent.IntegrationTests.Fixtures;
using Xunit;

namespace EtcdAgent.IntegrationTests.Protocol;

public sealed class ClusterTests(ThreeMemberFixture fixture) : IClassFixture<ThreeMemberFixture>
{
    [Fact]
    public async Task MemberListNamesAllThreeMembersWithTheirUrls()
    {
        using var client = fixture.Cluster.Client();
        var list = await client.MemberListAsync();

        Assert.Equal(["m1", "m2", "m3"], list.Members.Select(m => m.Name).Order());
        Assert.All(list.Members, m => Assert.Single(m.ClientURLs));
        Assert.Equal(
            fixture.Cluster.ClientUrls.Select(u => u.ToString().TrimEnd('/')).Order(),
            list.Members.Select(m => m.ClientURLs[0]).Order());
    }

    [Fact]
    public async Task EveryMemberReportsTheSameLeader()
    {
        using var client = fixture.Cluster.Client();
        var leaders = new HashSet<ulong>();
        var members = new HashSet<ulong>();
        foreach (var url in fixture.Cluster.ClientUrls)
        {
            var status = await client.StatusAsync(url);
            leaders.Add(status.Leader);
            members.Add(status.Header.MemberId);
        }

        Assert.Single(leaders);
        Assert.Equal(3, members.Count);
        Assert.Contains(leaders.Single(), members);
    }
}

/// <summary>Kills a member, so it has a cluster of its own.</summary>
public sealed class FailoverTests(ThreeMemberFixture fixture) : IClassFixture<ThreeMemberFixture>
{
    [Fact]
    public async Task CallsFailOverToTheNextMemberWhenTheFirstIsKilled()
    {
        using var connected = fixture.Cluster.Client();
        await connected.PutAsync("/failover/before", "1");

        fixture.Cluster.First.Kill();

        // A read on the connection that just died may be resent: it is idempotent.
        var read = await connected.GetAsync("/failover/before");

        // Put is not idempotent; it may go to the next member only because the refused connection proves the
        // request never left: the value must then be there exactly once.
        using var fresh = fixture.Cluster.Client();
        var put = await fresh.PutAsync("/failover/after", "2");
        var get = await fresh.GetAsync("/failover/after");

        Assert.Equal("1", read.Kvs[0].Value.ToStringUtf8());
        Assert.Equal("2", get.Kvs[0].Value.ToStringUtf8());
        Assert.Equal(put.Header.Revision, get.Kvs[0].ModRevision);
        Assert.Equal(1, get.Kvs[0].Version);
    }
}

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
    public async Task UnaryCallsFailOverToTheNextMemberWhenTheFirstIsKilled()
    {
        using var client = fixture.Cluster.Client();
        await client.PutAsync("/failover/before", "1");

        fixture.Cluster.First.Kill();

        // Put is not idempotent; it may go to the next member only because the refused connection proves the
        // request never left: the value must be there exactly once, at one revision.
        var put = await client.PutAsync("/failover/after", "2");
        var get = await client.GetAsync("/failover/after");
        var status = await client.StatusAsync(fixture.Cluster.Nodes[1].ClientUrl);

        Assert.Equal("2", get.Kvs[0].Value.ToStringUtf8());
        Assert.Equal(put.Header.Revision, get.Kvs[0].ModRevision);
        Assert.Equal(1, get.Kvs[0].Version);
        Assert.NotEqual(0UL, status.Leader);
    }
}

using EtcdAgent.Configuration;
using EtcdAgent.Restore;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Restore;

public sealed class InitialClusterTests
{
    [Fact]
    public void ParsesMembersWithSeveralUrlsAndPrintsThemBack()
    {
        var cluster = InitialCluster.Parse("a=http://1:2380,b=http://2:2380,a=http://1b:2380", "test");
        Assert.Equal(["http://1:2380", "http://1b:2380"], cluster.Members["a"]);
        Assert.Equal("a=http://1:2380,a=http://1b:2380,b=http://2:2380", cluster.ToString());
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("a", "NAME=PEER_URL")]
    [InlineData("a=", "NAME=PEER_URL")]
    [InlineData("a=ftp://x", "not an http(s) peer URL")]
    public void BadClustersAreRefused(string text, string expected) =>
        Assert.Contains(expected, Assert.Throws<ConfigurationException>(() => InitialCluster.Parse(text, "--initial-cluster")).Message, StringComparison.Ordinal);

    [Fact]
    public void IdsDependOnUrlsAndTokenButNotOnOrder()
    {
        var one = InitialCluster.Parse("a=http://1:2380,b=http://2:2380", "t");
        var other = InitialCluster.Parse("b=http://2:2380,a=http://1:2380", "t");
        Assert.Equal(one.ClusterId("tok"), other.ClusterId("tok"));
        Assert.NotEqual(one.ClusterId("tok"), one.ClusterId("tok2"));
        Assert.Equal(InitialCluster.MemberId(["http://b", "http://a"], "t"), InitialCluster.MemberId(["http://a", "http://b"], "t"));
        Assert.Equal("ff", EtcdAgent.Output.Hex.Id(255));
    }
}

using EtcdAgent.Output;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Output;

public sealed class ByteSizeTests
{
    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(9, "9 B")]
    [InlineData(20480, "20 kB")]
    [InlineData(24576, "25 kB")]
    [InlineData(1_190_359_040, "1.2 GB")]
    [InlineData(2_147_483_648, "2.1 GB")]
    public void FormatsLikeEtcdctl(long bytes, string expected) => Assert.Equal(expected, ByteSize.Format(bytes));
}

using System.Security.Cryptography;
using EtcdAgent.IntegrationTests.Fixtures;
using Xunit;

namespace EtcdAgent.IntegrationTests.Protocol;

public sealed class MaintenanceTests(SingleEtcdFixture fixture) : IClassFixture<SingleEtcdFixture>
{
    [Fact]
    public async Task StatusReportsVersionLeaderAndSizes()
    {
        using var client = fixture.Cluster.Client();
        var status = await client.StatusAsync(fixture.Cluster.First.ClientUrl);

        Assert.StartsWith("3.", status.Version, StringComparison.Ordinal);
        Assert.Equal(status.Header.MemberId, status.Leader);
        Assert.True(status.DbSize > 0);
        Assert.True(status.RaftIndex > 0);
    }

    [Fact]
    public async Task AlarmListIsEmptyOnAHealthyMember()
    {
        using var client = fixture.Cluster.Client();
        Assert.Empty(await client.ListAlarmsAsync());
    }

    [Fact]
    public async Task DefragmentAndHashKvSucceed()
    {
        using var client = fixture.Cluster.Client();
        var endpoint = fixture.Cluster.First.ClientUrl;
        await client.PutAsync("/maint/k", "v");
        var rev = (await client.GetAsync("/maint/k")).Header.Revision;

        await client.DefragmentAsync(endpoint);
        var first = await client.HashKVAsync(endpoint, rev);
        var second = await client.HashKVAsync(endpoint, rev);

        Assert.NotEqual(0u, first.Hash);
        Assert.Equal(first.Hash, second.Hash);
    }

    [Fact]
    public async Task SnapshotEndsWithSha256OfTheDataAndMatchesEtcdctl()
    {
        using var client = fixture.Cluster.Client();
        await client.PutAsync("/snap/k", "v");
        using var dir = new TempDir();

        using var buffer = new MemoryStream();
        ulong lastRemaining = ulong.MaxValue;
        await foreach (var chunk in client.SnapshotAsync(fixture.Cluster.First.ClientUrl))
        {
            chunk.Blob.WriteTo(buffer);
            lastRemaining = chunk.RemainingBytes;
        }

        // etcdctl's file, taken right after with no write in between, must be the same bytes (etcd-wire.md §3).
        var etcdctl = await fixture.Cluster.EtcdctlAsync("snapshot", "save", dir.File("etcdctl.db"));
        Assert.Equal(0, etcdctl.ExitCode);

        var bytes = buffer.ToArray();
        Assert.Equal(32, bytes.Length % 512);
        Assert.Equal(SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32)), bytes[^32..]);
        Assert.Equal(0UL, lastRemaining);
        Assert.Equal(await File.ReadAllBytesAsync(dir.File("etcdctl.db")), bytes);
    }
}

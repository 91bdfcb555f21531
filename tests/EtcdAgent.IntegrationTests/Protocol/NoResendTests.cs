using EtcdAgent.IntegrationTests.Fixtures;
using EtcdAgent.Protocol.Etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Xunit;

namespace EtcdAgent.IntegrationTests.Protocol;

/// <summary>
/// The one failover rule that protects data: a write whose connection dropped after it was sent may have been
/// applied, so it is never sent again (not by the facade, not by Grpc.Net.Client's retry machinery, not by
/// dotnet-etcd's default retry policy, which this client does not use). Reads in the same situation fail over.
/// </summary>
public sealed class NoResendTests(SingleEtcdFixture fixture) : IClassFixture<SingleEtcdFixture>
{
    [Fact]
    public async Task PutIsNotResentWhenTheConnectionDropsAfterSending()
    {
        var key = $"/no-resend/{Guid.NewGuid():N}";
        await using var proxy = new CuttingProxy(fixture.Cluster.First.ClientUrl, key);

        // The second endpoint is the same etcd, directly: a resend would reach it and bump the key's version.
        using var client = fixture.Cluster.Client(endpoints: [proxy.Address, fixture.Cluster.First.ClientUrl]);

        var ex = await Assert.ThrowsAsync<EtcdRpcException>(() => client.PutAsync(key, "once"));

        Assert.True(proxy.Cut);
        Assert.False(ex.RequestNotSent);
        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        var stored = await client.GetAsync(key);
        var kv = Assert.Single(stored.Kvs);
        Assert.Equal(1, kv.Version);
        Assert.Equal("once", kv.Value.ToStringUtf8());
    }

    [Fact]
    public async Task TxnIsNotResentWhenTheConnectionDropsAfterSending()
    {
        var key = $"/no-resend-txn/{Guid.NewGuid():N}";
        await using var proxy = new CuttingProxy(fixture.Cluster.First.ClientUrl, key);
        using var client = fixture.Cluster.Client(endpoints: [proxy.Address, fixture.Cluster.First.ClientUrl]);
        var put = new RequestOp { RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFromUtf8("t") } };

        await Assert.ThrowsAsync<EtcdRpcException>(() => client.TxnAsync(new TxnRequest { Success = { put } }));

        var stored = await client.GetAsync(key);
        Assert.Equal(1, Assert.Single(stored.Kvs).Version);
    }

    [Fact]
    public async Task ReadFailsOverWhenTheConnectionDropsAfterSending()
    {
        var key = $"/read-failover/{Guid.NewGuid():N}";
        using (var direct = fixture.Cluster.Client())
        {
            await direct.PutAsync(key, "v");
        }

        await using var proxy = new CuttingProxy(fixture.Cluster.First.ClientUrl, key);
        using var client = fixture.Cluster.Client(endpoints: [proxy.Address, fixture.Cluster.First.ClientUrl]);

        var read = await client.GetAsync(key);

        Assert.True(proxy.Cut);
        Assert.Equal("v", Assert.Single(read.Kvs).Value.ToStringUtf8());
    }
}

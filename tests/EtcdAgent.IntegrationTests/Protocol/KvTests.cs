using EtcdAgent.IntegrationTests.Fixtures;
using Etcdserverpb;
using Google.Protobuf;
using Xunit;

namespace EtcdAgent.IntegrationTests.Protocol;

public sealed class KvTests(SingleEtcdFixture fixture) : IClassFixture<SingleEtcdFixture>
{
    private static ByteString B(string s) => ByteString.CopyFromUtf8(s);

    [Fact]
    public async Task PutThenGetReturnsTheValueAndRevision()
    {
        using var client = fixture.Cluster.Client();
        var put = await client.PutAsync("/kv/a", "alpha");
        var get = await client.GetAsync("/kv/a");

        Assert.Single(get.Kvs);
        Assert.Equal("alpha", get.Kvs[0].Value.ToStringUtf8());
        Assert.Equal(put.Header.Revision, get.Kvs[0].ModRevision);
        Assert.NotEqual(0UL, get.Header.ClusterId);
    }

    [Fact]
    public async Task RangeOverPrefixReturnsKeysInOrderAndCountOnlyCounts()
    {
        using var client = fixture.Cluster.Client();
        foreach (var k in new[] { "c", "a", "b" })
        {
            await client.PutAsync("/range/" + k, k);
        }

        var range = await client.RangeAsync(new RangeRequest { Key = B("/range/"), RangeEnd = B("/range0") });
        var count = await client.RangeAsync(new RangeRequest { Key = B("/range/"), RangeEnd = B("/range0"), CountOnly = true });

        Assert.Equal(["/range/a", "/range/b", "/range/c"], range.Kvs.Select(kv => kv.Key.ToStringUtf8()));
        Assert.Equal(3, count.Count);
        Assert.Empty(count.Kvs);
    }

    [Fact]
    public async Task CountAllKeysGrowsByTheKeysPut()
    {
        using var client = fixture.Cluster.Client();
        var before = await client.CountAllKeysAsync();
        await client.PutAsync("/count/1", "x");
        await client.PutAsync("/count/2", "x");

        Assert.Equal(before + 2, await client.CountAllKeysAsync());
    }

    [Fact]
    public async Task DeleteRangeRemovesKeysAndReturnsPrevious()
    {
        using var client = fixture.Cluster.Client();
        await client.PutAsync("/del/1", "one");
        await client.PutAsync("/del/2", "two");

        var deleted = await client.DeleteRangeAsync(new DeleteRangeRequest { Key = B("/del/"), RangeEnd = B("/del0"), PrevKv = true });

        Assert.Equal(2, deleted.Deleted);
        Assert.Equal(["one", "two"], deleted.PrevKvs.Select(kv => kv.Value.ToStringUtf8()));
        Assert.Empty((await client.GetAsync("/del/1")).Kvs);
    }

    [Fact]
    public async Task TxnRunsSuccessBranchWhenCompareHolds()
    {
        using var client = fixture.Cluster.Client();
        var txn = new TxnRequest
        {
            // version == 0 means "absent": the create-if-absent pattern the cluster lock will use.
            Compare = { new Compare { Key = B("/txn/lock"), Target = Compare.Types.CompareTarget.Version, Result = Compare.Types.CompareResult.Equal, Version = 0 } },
            Success = { new RequestOp { RequestPut = new PutRequest { Key = B("/txn/lock"), Value = B("holder-1") } } },
            Failure = { new RequestOp { RequestRange = new RangeRequest { Key = B("/txn/lock") } } },
        };

        var first = await client.TxnAsync(txn);
        var second = await client.TxnAsync(txn);

        Assert.True(first.Succeeded);
        Assert.Equal(RequestOp.RequestOneofCase.RequestPut, txn.Success[0].RequestCase);
        Assert.False(second.Succeeded);
        Assert.Equal("holder-1", second.Responses[0].ResponseRange.Kvs[0].Value.ToStringUtf8());
    }

    [Fact]
    public async Task LargeValueRoundTrips()
    {
        using var client = fixture.Cluster.Client();
        var value = new byte[1024 * 1024];
        Random.Shared.NextBytes(value);
        await client.PutAsync(new PutRequest { Key = B("/large"), Value = ByteString.CopyFrom(value) });

        var get = await client.GetAsync("/large");

        Assert.Equal(value, get.Kvs[0].Value.ToByteArray());
    }
}

using EtcdAgent.Protocol.Etcd;
using Etcdserverpb;
using Google.Protobuf;
using Mvccpb;

namespace EtcdAgent.IntegrationTests.Continuous;

/// <summary>A write load of every kind a chain must carry, recording the revision etcd gave each write.</summary>
internal static class WriteGenerator
{
    public sealed record Write(long Revision, Event.Types.EventType Type, string Key, string? Value, long Lease);

    /// <summary>Writes of every kind, for ~1.5 s; returns each event etcd applied, with the revision it reported.</summary>
    public static async Task<List<Write>> RunAsync(EtcdClient client)
    {
        var writes = new List<Write>();
        var lease = (await client.LeaseGrantAsync(60)).ID;
        var shortLease = (await client.LeaseGrantAsync(60)).ID;
        var value = new string('v', 3000);
        for (var i = 0; i < 60; i++)
        {
            var put = await client.PutAsync(new PutRequest { Key = Bytes($"/gen/{i % 13}"), Value = Bytes($"{i}{value}") });
            writes.Add(new(put.Header.Revision, Event.Types.EventType.Put, $"/gen/{i % 13}", $"{i}{value}", 0));

            if (i % 5 == 0)
            {
                var txn = await client.TxnAsync(new TxnRequest
                {
                    Success =
                    {
                        new RequestOp { RequestPut = new PutRequest { Key = Bytes($"/txn/a{i}"), Value = Bytes("a") } },
                        new RequestOp { RequestPut = new PutRequest { Key = Bytes($"/txn/b{i}"), Value = Bytes("b"), Lease = lease } },
                        new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = Bytes($"/gen/{(i + 1) % 13}") } },
                    },
                });
                writes.Add(new(txn.Header.Revision, Event.Types.EventType.Put, $"/txn/a{i}", "a", 0));
                writes.Add(new(txn.Header.Revision, Event.Types.EventType.Put, $"/txn/b{i}", "b", lease));
                if (txn.Responses[2].ResponseDeleteRange.Deleted > 0)
                {
                    writes.Add(new(txn.Header.Revision, Event.Types.EventType.Delete, $"/gen/{(i + 1) % 13}", null, 0));
                }
            }

            if (i % 7 == 3)
            {
                var leased = await client.PutAsync(new PutRequest { Key = Bytes($"/lease/{i}"), Value = Bytes("l"), Lease = shortLease });
                writes.Add(new(leased.Header.Revision, Event.Types.EventType.Put, $"/lease/{i}", "l", shortLease));
            }

            await Task.Delay(20);
        }

        // A lease revoked deletes its keys in one revision; a range delete removes several keys in one.
        var leasedKeys = writes.Where(w => w.Lease == shortLease).Select(w => w.Key).Distinct().ToList();
        var revoke = await client.LeaseRevokeAsync(shortLease);
        writes.AddRange(leasedKeys.Select(k => new Write(revoke.Header.Revision, Event.Types.EventType.Delete, k, null, 0)));
        var live = (await client.RangeAsync(new RangeRequest { Key = Bytes("/txn/a"), RangeEnd = Bytes("/txn/b") })).Kvs.Select(k => k.Key.ToStringUtf8()).ToList();
        var range = await client.DeleteRangeAsync(new DeleteRangeRequest { Key = Bytes("/txn/a"), RangeEnd = Bytes("/txn/b") });
        writes.AddRange(live.Select(k => new Write(range.Header.Revision, Event.Types.EventType.Delete, k, null, 0)));
        return writes;
    }

    private static ByteString Bytes(string s) => ByteString.CopyFromUtf8(s);
}

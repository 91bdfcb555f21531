using System.Globalization;
using EtcdAgent.Protocol.Etcd;
using Etcdserverpb;
using Google.Protobuf;

// Usage: EtcdFill ENDPOINT TARGET_BYTES
// Writes Txns of 100 puts x 10 KiB (~1 MiB, under etcd's 1.5 MiB request limit) until the member's DB size
// reaches TARGET_BYTES. Values are half random, half repeated text, roughly like Kubernetes objects compress.
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: EtcdFill ENDPOINT TARGET_BYTES");
    return 2;
}

var endpoint = new Uri(args[0]);
var target = long.Parse(args[1], CultureInfo.InvariantCulture);
using var client = new EtcdClient(new EtcdClientOptions { Endpoints = [endpoint], CommandTimeout = TimeSpan.FromSeconds(30) });
var random = new Random(42);
var filler = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("{\"kind\":\"Secret\",\"apiVersion\":\"v1\"}", 200)));
var batch = 0;
while (true)
{
    var status = await client.StatusAsync(endpoint);
    if (status.DbSize >= target)
    {
        Console.WriteLine($"filled: db size {status.DbSize} bytes after {batch} txns, revision {status.Header.Revision}");
        return 0;
    }

    for (var round = 0; round < 20; round++, batch++)
    {
        var txn = new TxnRequest();
        for (var i = 0; i < 100; i++)
        {
            var value = new byte[10 * 1024];
            random.NextBytes(value.AsSpan(0, value.Length / 2));
            filler.AsSpan(0, value.Length / 2).CopyTo(value.AsSpan(value.Length / 2));
            txn.Success.Add(new RequestOp
            {
                RequestPut = new PutRequest
                {
                    Key = ByteString.CopyFromUtf8($"/registry/bench/{batch:D6}/{i:D3}"),
                    Value = ByteString.CopyFrom(value),
                },
            });
        }

        await client.TxnAsync(txn);
    }
}

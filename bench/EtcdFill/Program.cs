using System.Globalization;
using EtcdAgent.Protocol.Etcd;
using Etcdserverpb;
using Google.Protobuf;

// Usage: EtcdFill ENDPOINT TARGET_BYTES [kube|random]
//        EtcdFill ENDPOINT load WRITES_PER_S SECONDS LOGFILE [KEYS]
// Writes Txns of Kubernetes-like JSON objects (up to ~1 MiB each, under etcd's 1.5 MiB request limit) until the
// member's DB size reaches TARGET_BYTES. See KubeObjects for what the values look like. "random" keeps the keys and
// value sizes but fills the values with random bytes: data no codec can shrink (issue 21's second dataset).
// "load" is a paced write load of random 1-8 KiB values over KEYS keys (default 2000), logged per write; see Load.
if (args.Length is 5 or 6 && args[1] == "load")
{
    return await EtcdAgent.Bench.Load.RunAsync(new Uri(args[0]), double.Parse(args[2], CultureInfo.InvariantCulture),
        double.Parse(args[3], CultureInfo.InvariantCulture), args.Length == 6 ? int.Parse(args[5], CultureInfo.InvariantCulture) : 2000, args[4]);
}

if (args.Length is not (2 or 3) || (args.Length == 3 && args[2] is not ("kube" or "random")))
{
    Console.Error.WriteLine("usage: EtcdFill ENDPOINT TARGET_BYTES [kube|random] | EtcdFill ENDPOINT load WRITES_PER_S SECONDS LOGFILE [KEYS]");
    return 2;
}

var randomValues = args.Length == 3 && args[2] == "random";
var noise = new Random(7);

var endpoint = new Uri(args[0]);
var target = long.Parse(args[1], CultureInfo.InvariantCulture);
using var client = new EtcdClient(new EtcdClientOptions { Endpoints = [endpoint], CommandTimeout = TimeSpan.FromSeconds(30) });
var objects = new EtcdAgent.Bench.KubeObjects(42);
var written = 0;
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
        var bytes = 0;
        while (bytes < 900 * 1024 && txn.Success.Count < 120) // etcd: --max-txn-ops 128
        {
            var (key, value) = objects.Next(written++);
            if (randomValues)
            {
                value = new byte[value.Length];
                noise.NextBytes(value);
            }

            bytes += key.Length + value.Length;
            txn.Success.Add(new RequestOp
            {
                RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFrom(value) },
            });
        }

        await client.TxnAsync(txn);
    }
}

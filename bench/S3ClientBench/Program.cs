using System.Diagnostics;
using EtcdAgent.Bench;
using EtcdAgent.Composition;
using EtcdAgent.Configuration;
using EtcdAgent.Etcd;
using EtcdAgent.Snapshots;
using EtcdAgent.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Minio;

// Usage: S3ClientBench awssdk|minio CONFIG ENDPOINT
//   Runs `backup create`'s pipeline (snapshot, verify, zstd, AES-256-GCM, upload, manifest) from the etcd at ENDPOINT to
//   the config's S3 store through the chosen client. Prints "seconds stored-bytes backup-id".
//        S3ClientBench list-awssdk|list-minio CONFIG    prints how many objects each client lists in the store
if (args is not [var mode, var config, ..])
{
    Console.Error.WriteLine("usage: S3ClientBench awssdk|minio CONFIG ENDPOINT | list-awssdk|list-minio CONFIG");
    return 2;
}

var options = ConfigLoader.Load(config, Environment.GetEnvironmentVariable);
var s3 = options.Store.S3 ?? throw new InvalidOperationException("the config's store must be s3");
using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
EtcdConnectionSettings? connection = args.Length > 2 ? new EtcdConnectionSettings { Endpoints = [new Uri(args[2])] } : null;
var services = new ServiceCollection().AddCliLogging(loggers).AddEtcdAgent(options, connection, TimeProvider.System);
if (mode.EndsWith("minio", StringComparison.Ordinal))
{
    var (access, secret) = ReadCredentials(s3.CredentialsFile!);
    var endpoint = s3.Endpoint!;
    var client = new MinioClient().WithEndpoint(endpoint.Host, endpoint.Port).WithCredentials(access, secret)
        .WithRegion(s3.Region).WithSSL(endpoint.Scheme == "https").Build();
    services.AddSingleton<IObjectStore>(new MinioObjectStore(client, s3));
}

await using var provider = services.BuildServiceProvider();
if (mode.StartsWith("list-", StringComparison.Ordinal))
{
    var count = 0;
    await foreach (var _ in provider.GetRequiredService<IObjectStore>().ListAsync(string.Empty, CancellationToken.None))
    {
        count++;
    }

    Console.WriteLine(count);
    return 0;
}

var watch = Stopwatch.StartNew();
var manifest = await provider.GetRequiredService<BackupPipeline>().CreateAsync(
    provider.GetRequiredService<EtcdAgent.Protocol.Etcd.EtcdClient>(), connection!.Endpoints[0], CancellationToken.None);
Console.WriteLine(FormattableString.Invariant($"{watch.Elapsed.TotalSeconds:0.000} {manifest.Stored.Size} {manifest.Id}"));
return 0;

static (string Access, string Secret) ReadCredentials(string file)
{
    string? access = null, secret = null;
    foreach (var line in File.ReadLines(file))
    {
        var parts = line.Split('=', 2, StringSplitOptions.TrimEntries);
        if (parts is ["aws_access_key_id", var a]) access = a;
        if (parts is ["aws_secret_access_key", var s]) secret = s;
    }

    return (access ?? throw new InvalidDataException("no aws_access_key_id"), secret ?? throw new InvalidDataException("no aws_secret_access_key"));
}

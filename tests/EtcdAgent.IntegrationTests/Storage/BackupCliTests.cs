using System.Text.Json;
using EtcdAgent.IntegrationTests.Fixtures;
using Xunit;

namespace EtcdAgent.IntegrationTests.Storage;

/// <summary>
/// `backup create|list|download|verify|prune` through the built binary against real etcd and real s3rver (and a
/// local directory store): what an operator would run, checked with etcdctl where it has an opinion.
/// </summary>
public sealed class BackupCliTests(EtcdAndS3Fixture fixture) : IClassFixture<EtcdAndS3Fixture>, IDisposable
{
    private readonly TempDir _dir = new();

    public static TheoryData<string, string, bool> Combinations()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (var store in new[] { "s3", "local" })
        {
            foreach (var compression in new[] { "zstd", "gzip", "none" })
            {
                data.Add(store, compression, false);
                data.Add(store, compression, true);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Combinations))]
    public async Task CreateListDownloadGivesASnapshotEtcdctlReadsLikeItsOwn(string store, string compression, bool encrypted)
    {
        await PutKeysAsync("/registry/roundtrip/", 40);
        var config = WriteConfig(store, compression, encrypted, prefix: $"rt-{store}-{compression}-{encrypted}");

        var create = await Agent("backup", "create", "--config", config, "-w", "json");
        Assert.True(create.ExitCode == 0, create.Stderr);
        using var manifest = JsonDocument.Parse(create.Stdout);
        var id = manifest.RootElement.GetProperty("id").GetString()!;
        var direct = await fixture.Cluster.EtcdctlAsync("snapshot", "save", _dir.File("direct.db"));
        Assert.True(direct.ExitCode == 0, direct.Stderr);

        var list = await Agent("backup", "list", "--config", config, "-w", "json");
        Assert.True(list.ExitCode == 0, list.Stderr);
        using var listed = JsonDocument.Parse(list.Stdout);
        var item = Assert.Single(listed.RootElement.EnumerateArray());
        Assert.Equal(id, item.GetProperty("id").GetString());
        Assert.Equal(compression, item.GetProperty("compression").GetString());
        Assert.Equal(encrypted ? "aes-256-gcm" : null, item.TryGetProperty("encryption", out var encryption) ? encryption.GetString() : null);
        var expectedSuffix = "snapshot.db" + compression switch { "zstd" => ".zst", "gzip" => ".gz", _ => string.Empty } + (encrypted ? ".enc" : string.Empty);
        Assert.EndsWith(expectedSuffix, item.GetProperty("key").GetString(), StringComparison.Ordinal);

        var output = _dir.File($"downloaded-{store}-{compression}-{encrypted}.db");
        var download = await Agent("backup", "download", "latest", output, "--config", config);
        Assert.True(download.ExitCode == 0, download.Stderr);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(output));

        // etcdctl sees the same snapshot it would have taken itself (nothing was written in between).
        var ours = await Etcdctl("snapshot", "status", output, "-w", "json");
        var theirs = await Etcdctl("snapshot", "status", _dir.File("direct.db"), "-w", "json");
        Assert.Equal(theirs, ours);
        using var status = JsonDocument.Parse(ours);
        Assert.Equal(status.RootElement.GetProperty("revision").GetInt64(), manifest.RootElement.GetProperty("revision").GetInt64());
        Assert.Equal(status.RootElement.GetProperty("hash").GetUInt32(), manifest.RootElement.GetProperty("status").GetProperty("hash").GetUInt32());

        var verify = await Agent("backup", "verify", id, "--config", config);
        Assert.True(verify.ExitCode == 0, verify.Stderr);
        Assert.Contains("is intact", verify.Stdout, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_dir.File("spool")));
    }

    [Fact]
    public async Task ManifestRecordsSourceMembersStatusAndCodecsButNeverTheKey()
    {
        await PutKeysAsync("/registry/manifest/", 10);
        var config = WriteConfig("local", "zstd", encrypted: true, prefix: "manifest");
        var create = await Agent("backup", "create", "--config", config, "-w", "json");
        Assert.True(create.ExitCode == 0, create.Stderr);

        var file = Directory.GetFiles(_dir.File("store"), "manifest.json", SearchOption.AllDirectories).Single();
        var text = await File.ReadAllTextAsync(file);
        using var manifest = JsonDocument.Parse(text);
        var root = manifest.RootElement;
        Assert.Equal(1, root.GetProperty("formatVersion").GetInt32());
        Assert.Equal("test", root.GetProperty("cluster").GetProperty("name").GetString());
        Assert.Equal("node-a", root.GetProperty("node").GetString());
        Assert.Equal(fixture.Cluster.First.Name, root.GetProperty("source").GetProperty("memberName").GetString());
        var member = Assert.Single(root.GetProperty("members").EnumerateArray());
        Assert.Equal(fixture.Cluster.First.PeerUrl, member.GetProperty("peerUrls")[0].GetString());
        Assert.True(root.GetProperty("status").GetProperty("liveKeys").GetInt64() >= 10);
        Assert.Equal(64, root.GetProperty("raw").GetProperty("sha256").GetString()!.Length);
        Assert.Equal(16, root.GetProperty("codecs").GetProperty("keyId").GetString()!.Length);
        Assert.StartsWith("3.4.", root.GetProperty("etcdVersion").GetString(), StringComparison.Ordinal);

        var key = Convert.ToBase64String(Convert.FromBase64String((await File.ReadAllTextAsync(_dir.File("backup.key"))).Trim()));
        Assert.DoesNotContain(key, text, StringComparison.Ordinal);
        Assert.DoesNotContain(key, create.Stdout + create.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DownloadWithoutTheKeyFailsClearlyAndWritesNothing()
    {
        var config = WriteConfig("s3", "zstd", encrypted: true, prefix: "nokey");
        var create = await Agent("backup", "create", "--config", config);
        Assert.True(create.ExitCode == 0, create.Stderr);

        // A second config with no key, as on a fresh node where only the store credentials were restored.
        var bare = WriteConfig("s3", "zstd", encrypted: false, prefix: "nokey", name: "bare.yaml");
        var output = _dir.File("nokey.db");
        var missing = await Agent("backup", "download", "latest", output, "--config", bare);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("not in the keyring", missing.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
        Assert.False(File.Exists(output + ".part"));

        var wrongKey = _dir.File("wrong.key");
        Assert.Equal(0, (await Agent("key", "generate", wrongKey)).ExitCode);
        var wrong = await Agent("backup", "download", "latest", output, "--config", bare, "--key-file", wrongKey);
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("not in the keyring", wrong.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(output));

        var right = await Agent("backup", "download", "latest", output, "--config", bare, "--key-file", _dir.File("backup.key"));
        Assert.True(right.ExitCode == 0, right.Stderr);
    }

    [Fact]
    public async Task AnObjectTamperedInTheStoreFailsVerifyAndDownload()
    {
        var config = WriteConfig("s3", "none", encrypted: false, prefix: "tamper");
        var create = await Agent("backup", "create", "--config", config, "-w", "json");
        Assert.True(create.ExitCode == 0, create.Stderr);
        using var manifest = JsonDocument.Parse(create.Stdout);
        var key = manifest.RootElement.GetProperty("stored").GetProperty("key").GetString()!;

        // s3rver keeps each object's bytes in <dir>/<bucket>/<prefix>/<key>._S3rver_object.
        var stored = Path.Combine(fixture.S3.DataDir, fixture.S3.Bucket, "tamper", key + "._S3rver_object");
        var bytes = await File.ReadAllBytesAsync(stored);
        bytes[4096 + 100] ^= 0x01;
        await File.WriteAllBytesAsync(stored, bytes);

        var verify = await Agent("backup", "verify", "latest", "--config", config);
        Assert.True(verify.ExitCode == 6, verify.Stderr);
        Assert.Contains("changed in the store", verify.Stderr, StringComparison.Ordinal);
        var output = _dir.File("tampered.db");
        var download = await Agent("backup", "download", "latest", output, "--config", config);
        Assert.Equal(6, download.ExitCode);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task AMissingBucketFailsBeforeTheSnapshotWithAClearError()
    {
        var config = WriteConfig("s3", "zstd", encrypted: false, prefix: "nobucket", bucket: "no-such-bucket");
        var create = await Agent("backup", "create", "--config", config);
        Assert.Equal(10, create.ExitCode);
        Assert.Contains("bucket \"no-such-bucket\" does not exist", create.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_dir.File("spool")) && Directory.GetFiles(_dir.File("spool")).Length > 0);
    }

    [Fact]
    public async Task WrongCredentialsFailWithTheStoreDeniedExitCode()
    {
        var config = WriteConfig("s3", "zstd", encrypted: false, prefix: "creds", credentialsFile: fixture.S3.CredentialsFile("NOT-S3RVER"));
        var list = await Agent("backup", "list", "--config", config);
        Assert.True(list.ExitCode == 9, list.Stdout + list.Stderr);
        Assert.Contains("refused the credentials", list.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PruneKeepsThePolicyAndDeletesManifestAndPayloadOfTheRest()
    {
        var config = WriteConfig("s3", "zstd", encrypted: false, prefix: "prune", extra: """
            retention:
              keepLast: 2
              daily: 0
              weekly: 0
              monthly: 0
              maxDeleteFraction: 1
            """);
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            await PutKeysAsync($"/registry/prune{i}/", 1);
            var create = await Agent("backup", "create", "--config", config, "-w", "json");
            Assert.True(create.ExitCode == 0, $"backup {i}: {create.Stderr}");
            using var manifest = JsonDocument.Parse(create.Stdout);
            ids.Add(manifest.RootElement.GetProperty("id").GetString()!);
        }

        var dry = await Agent("backup", "prune", "--dry-run", "--config", config, "-w", "json");
        Assert.True(dry.ExitCode == 0, dry.Stderr);
        using (var report = JsonDocument.Parse(dry.Stdout))
        {
            Assert.Equal(2, report.RootElement.GetProperty("deleted").GetArrayLength());
        }

        Assert.Equal(4, await CountAsync(config));

        var prune = await Agent("backup", "prune", "--config", config, "-w", "json");
        Assert.True(prune.ExitCode == 0, prune.Stderr);
        using var done = JsonDocument.Parse(prune.Stdout);
        Assert.Equal(ids.Take(2).Order(), done.RootElement.GetProperty("deleted").EnumerateArray().Select(e => e.GetString()!).Order());

        // s3rver cannot list multipart uploads: a warning, not a failure.
        Assert.Contains(done.RootElement.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.Contains("multipart", StringComparison.Ordinal));
        Assert.Equal(2, await CountAsync(config));
        var objects = Directory.GetFiles(Path.Combine(fixture.S3.DataDir, fixture.S3.Bucket, "prune"), "*._S3rver_object", SearchOption.AllDirectories);
        Assert.Equal(4, objects.Length); // two backups × (payload + manifest)
    }

    [Fact]
    public async Task BackupCreateWithoutAnyConfigurationSaysWhatToPass()
    {
        var result = await Agent("backup", "create", "--config", _dir.File("absent.yaml"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("does not exist", result.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();

    private static async Task<int> CountAsync(string config)
    {
        var list = await Agent("backup", "list", "--config", config, "-w", "json");
        Assert.True(list.ExitCode == 0, list.Stderr);
        using var listed = JsonDocument.Parse(list.Stdout);
        return listed.RootElement.GetArrayLength();
    }

    private async Task PutKeysAsync(string prefix, int count)
    {
        using var client = fixture.Cluster.Client();
        for (var i = 0; i < count; i++)
        {
            await client.PutAsync($"{prefix}{i:D3}", $"{{\"kind\":\"ConfigMap\",\"n\":{i}}}");
        }
    }

    private string WriteConfig(string store, string compression, bool encrypted, string prefix, string? bucket = null,
        string? credentialsFile = null, string extra = "", string name = "config.yaml")
    {
        var key = _dir.File("backup.key");
        if (encrypted && !File.Exists(key))
        {
            var generate = AgentBinary.RunAsync("key", "generate", key).GetAwaiter().GetResult();
            Assert.True(generate.ExitCode == 0, generate.Stderr);
        }

        Directory.CreateDirectory(_dir.File("store"));
        var storeYaml = store == "s3"
            ? fixture.S3.StoreYaml(prefix, bucket, credentialsFile)
            : $"""
              store:
                type: local
                local:
                  path: {_dir.File("store")}/{prefix}
              """;
        if (store != "s3")
        {
            Directory.CreateDirectory(Path.Combine(_dir.File("store"), prefix));
        }

        var path = _dir.File(name);
        File.WriteAllText(path, $"""
            cluster: test
            node: node-a
            etcd:
              endpoints: [{fixture.Cluster.Endpoints}]
            {storeYaml}
            backup:
              compression: {compression}
              spoolDir: {_dir.File("spool")}
            {(encrypted ? $"  encryption:\n    keyFile: {key}" : string.Empty)}
            {extra}
            """);
        return path;
    }

    private static Task<ProcessRunner.Result> Agent(params string[] args) => AgentBinary.RunAsync(args, S3rverNode.Environment);

    private static async Task<string> Etcdctl(params string[] args)
    {
        var result = await ProcessRunner.RunAsync("etcdctl", args, new Dictionary<string, string?> { ["ETCDCTL_API"] = "3" });
        Assert.True(result.ExitCode == 0, result.Stderr);
        return result.Stdout;
    }
}

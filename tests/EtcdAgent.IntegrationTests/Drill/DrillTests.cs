using System.Text.Json;
using System.Text.Json.Nodes;
using EtcdAgent.IntegrationTests.Fixtures;
using Xunit;

namespace EtcdAgent.IntegrationTests.Drill;

/// <summary>
/// `etcd-agent drill` against real etcd and real s3rver: a good backup restores into a throwaway etcd and reads
/// back as the file says; damage in the store and a manifest that lies are failures naming their stage; without an
/// etcd binary the drill still verifies and says verify-only. The real member is never touched.
/// </summary>
public sealed class DrillTests(EtcdAndS3Fixture fixture) : IClassFixture<EtcdAndS3Fixture>, IDisposable
{
    private readonly TempDir _dir = new("etcd-agent-drill");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task AGoodBackupRestoresIntoAThrowawayEtcdAndReadsBackAsTheFileSays()
    {
        using (var client = fixture.Cluster.Client())
        {
            for (var i = 0; i < 60; i++)
            {
                await client.PutAsync($"/registry/configmaps/default/cm-{i:D2}", $"{{\"data\":{i}}}");
            }

            await client.DeleteRangeAsync(new Etcdserverpb.DeleteRangeRequest { Key = Google.Protobuf.ByteString.CopyFromUtf8("/registry/configmaps/default/cm-00") });
        }

        var config = Config("s3", "good");
        Assert.Equal(0, (await Agent("backup", "create", "--config", config)).ExitCode);
        long keysBefore;
        using (var client = fixture.Cluster.Client())
        {
            keysBefore = await client.CountAllKeysAsync();
        }

        var drill = await Agent("drill", "latest", "--config", config, "-w", "json");

        Assert.True(drill.ExitCode == 0, drill.Stdout + drill.Stderr);
        using var report = JsonDocument.Parse(drill.Stdout);
        var root = report.RootElement;
        Assert.Equal("pass", root.GetProperty("result").GetString());
        Assert.Equal("full", root.GetProperty("mode").GetString());
        Assert.True(root.GetProperty("kubernetes").GetBoolean());
        Assert.True(root.GetProperty("sampledKeys").GetInt32() >= 10, drill.Stdout);
        Assert.Equal(["preflight", "fetch", "sample", "restore", "start", "check"], root.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        Assert.Empty(Directory.GetFileSystemEntries(_dir.File("state/drill"))); // the temp dir is gone
        using var real = fixture.Cluster.Client();
        Assert.Equal(keysBefore, await real.CountAllKeysAsync()); // the real member still serves, unchanged
    }

    [Fact]
    public async Task AnObjectTamperedInTheStoreFailsAtVerify()
    {
        var config = Config("s3", "tamper");
        var create = await Agent("backup", "create", "--config", config, "-w", "json");
        Assert.Equal(0, create.ExitCode);
        using var manifest = JsonDocument.Parse(create.Stdout);
        var key = manifest.RootElement.GetProperty("stored").GetProperty("key").GetString()!;
        var stored = Path.Combine(fixture.S3.DataDir, fixture.S3.Bucket, "tamper", key + "._S3rver_object");
        var bytes = await File.ReadAllBytesAsync(stored);
        bytes[bytes.Length / 2] ^= 0x01;
        await File.WriteAllBytesAsync(stored, bytes);

        var drill = await Agent("drill", "latest", "--config", config);

        Assert.True(drill.ExitCode == 6, drill.Stdout + drill.Stderr);
        Assert.Contains("FAIL", drill.Stdout, StringComparison.Ordinal);
        Assert.Contains("failed at verify", drill.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AManifestThatLiesAboutTheRevisionFailsAtVerify()
    {
        // A local store, whose manifest.json the test can rewrite (s3rver would refuse the changed object's checksum first).
        var config = Config("local", "liar");
        Assert.Equal(0, (await Agent("backup", "create", "--config", config)).ExitCode);
        var path = Directory.GetFiles(_dir.File("store"), "manifest.json", SearchOption.AllDirectories).Single();
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        json["status"]!["revision"] = json["status"]!["revision"]!.GetValue<long>() + 5;
        File.WriteAllText(path, json.ToJsonString());

        var drill = await Agent("drill", "latest", "--config", config, "-w", "json");

        Assert.Equal(6, drill.ExitCode);
        using var report = JsonDocument.Parse(drill.Stdout);
        Assert.Equal("fail", report.RootElement.GetProperty("result").GetString());
        Assert.Equal("verify", report.RootElement.GetProperty("failedStage").GetString());
        Assert.Contains("but the manifest says", report.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutAnEtcdBinaryTheDrillVerifiesAndSaysVerifyOnly()
    {
        var config = Config("s3", "verify-only");
        Assert.Equal(0, (await Agent("backup", "create", "--config", config)).ExitCode);

        var drill = await Agent("drill", "latest", "--config", config, "--etcd-binary", _dir.File("no-such-etcd"));

        Assert.True(drill.ExitCode == 0, drill.Stdout + drill.Stderr);
        Assert.Contains("PASS (verify-only", drill.Stdout, StringComparison.Ordinal);
        Assert.Contains("set drill.etcdBinary", drill.Stdout, StringComparison.Ordinal);
        // Fetched and verified, but nothing restored or started.
        var stages = drill.Stdout.Split('\n').Where(l => l.StartsWith("  ok", StringComparison.Ordinal)).ToList();
        Assert.Contains(stages, l => l.Contains(" fetch ", StringComparison.Ordinal));
        Assert.DoesNotContain(stages, l => l.Contains(" restore ", StringComparison.Ordinal) || l.Contains(" start ", StringComparison.Ordinal));
    }

    private string Config(string store, string prefix)
    {
        var storeYaml = store == "s3"
            ? fixture.S3.StoreYaml(prefix)
            : $"""
              store:
                type: local
                local:
                  path: {_dir.File("store")}
              """;
        Directory.CreateDirectory(_dir.File("store"));
        var path = _dir.File($"{prefix}.yaml");
        File.WriteAllText(path, $"""
            cluster: drill
            node: node-a
            etcd:
              endpoints: [{fixture.Cluster.Endpoints}]
            {storeYaml}
            backup:
              spoolDir: {_dir.File("spool")}
            schedule:
              stateDir: {_dir.File("state")}
            """);
        return path;
    }

    private static Task<ProcessRunner.Result> Agent(params string[] args) => AgentBinary.RunAsync(args, S3rverNode.Environment);
}

using System.Text.Json;
using EtcdAgent.IntegrationTests.Fixtures;
using Xunit;

namespace EtcdAgent.IntegrationTests.Cli;

/// <summary>
/// The shipped form — the NativeAOT binary (`make publish`) — against real etcd. AOT compilation and trimming can remove
/// code that only runs at run time (reflection, JSON), which `dotnet test` on the JIT build never notices.
/// </summary>
public sealed class PublishedBinaryTests(SingleEtcdFixture fixture) : IClassFixture<SingleEtcdFixture>, IDisposable
{
    private readonly TempDir _dir = new();

    private static Task<ProcessRunner.Result> RunAsync(params string[] args) =>
        ProcessRunner.RunAsync(RepoPaths.PublishedBinary, args, new Dictionary<string, string?> { ["ETCD_AGENT_KUBEADM_PKI_DIR"] = "/nonexistent" });

    [Fact]
    public async Task PublishedBinaryReadsYamlAndBacksUpToS3rverAndBack()
    {
        // YAML (hand-bound), the AWS SDK and the manifest JSON all run through trimming here.
        using var s3 = await S3rverNode.StartAsync(_dir);
        var config = _dir.File("config.yaml");
        await File.WriteAllTextAsync(config, $"""
            cluster: published
            node: n1
            etcd:
              endpoints: [{fixture.Cluster.Endpoints}]
            {s3.StoreYaml("pub")}
            backup:
              spoolDir: {_dir.File("spool")}
            schedule:
              stateDir: {_dir.File("state")}
            """);

        var check = await RunAsync("config", "check", "--config", config);
        Assert.True(check.ExitCode == 0, check.Stderr);
        var create = await RunAsync("backup", "create", "--config", config, "-w", "json");
        Assert.True(create.ExitCode == 0, create.Stderr);
        using var manifest = JsonDocument.Parse(create.Stdout);
        var list = await RunAsync("backup", "list", "--config", config, "-w", "json");
        Assert.True(list.ExitCode == 0, list.Stderr);
        using var listed = JsonDocument.Parse(list.Stdout);
        Assert.Equal(manifest.RootElement.GetProperty("id").GetString(), listed.RootElement[0].GetProperty("id").GetString());
        var download = await RunAsync("backup", "download", "latest", _dir.File("back.db"), "--config", config);
        Assert.True(download.ExitCode == 0, download.Stderr);

        // The daemon's path (Quartz cron, the etcd lease lock, the pipeline, pruning) in its trimmed form: one tick.
        var once = await RunAsync("run", "--once", "--config", config);
        Assert.True(once.ExitCode == 0, once.Stderr);
        var after = await RunAsync("backup", "list", "--config", config, "-w", "json");
        using var listedAfter = JsonDocument.Parse(after.Stdout);
        Assert.Equal(2, listedAfter.RootElement.GetArrayLength());
    }

    [Fact]
    public async Task PublishedBinaryPrintsJsonStatusAndMembers()
    {
        var status = await RunAsync("endpoint", "status", "--endpoints", fixture.Cluster.Endpoints, "-w", "json");
        var members = await RunAsync("member", "list", "--endpoints", fixture.Cluster.Endpoints, "-w", "json");
        var version = await RunAsync("version", "-w", "json");

        Assert.True(status.ExitCode == 0, status.Stderr);
        using var statusJson = JsonDocument.Parse(status.Stdout);
        Assert.StartsWith("3.4", statusJson.RootElement[0].GetProperty("version").GetString(), StringComparison.Ordinal);
        using var membersJson = JsonDocument.Parse(members.Stdout);
        Assert.Equal("m1", membersJson.RootElement.GetProperty("members")[0].GetProperty("name").GetString());
        Assert.Equal(0, version.ExitCode);
        using var versionJson = JsonDocument.Parse(version.Stdout);
        Assert.StartsWith(RepoPaths.Version + "+", versionJson.RootElement.GetProperty("version").GetString(), StringComparison.Ordinal);
        Assert.Matches("^[0-9a-f]{7,40}$|^unknown$", versionJson.RootElement.GetProperty("commit").GetString());
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", versionJson.RootElement.GetProperty("buildDate").GetString());
    }

    [Fact]
    public async Task PublishedBinarySavesTheSameBytesAsEtcdctl()
    {
        using (var client = fixture.Cluster.Client())
        {
            await client.PutAsync("/published/k", "v");
        }

        var ours = await RunAsync("snapshot", "save", _dir.File("ours.db"), "--endpoints", fixture.Cluster.Endpoints);
        var theirs = await fixture.Cluster.EtcdctlAsync("snapshot", "save", _dir.File("etcdctl.db"));

        Assert.True(ours.ExitCode == 0, ours.Stderr);
        Assert.Equal(0, theirs.ExitCode);
        Assert.Equal(await File.ReadAllBytesAsync(_dir.File("etcdctl.db")), await File.ReadAllBytesAsync(_dir.File("ours.db")));

        // The reader and verifier in their trimmed form, against etcdctl's own status of the file.
        var verify = await RunAsync("snapshot", "verify", _dir.File("ours.db"));
        var status = await RunAsync("snapshot", "status", _dir.File("ours.db"), "-w", "json");
        var etcdctlStatus = await ProcessRunner.RunAsync("etcdctl", ["snapshot", "status", _dir.File("ours.db"), "-w", "json"],
            new Dictionary<string, string?> { ["ETCDCTL_API"] = "3" });
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
        using var ourJson = JsonDocument.Parse(status.Stdout);
        using var theirJson = JsonDocument.Parse(etcdctlStatus.Stdout);
        Assert.Equal(theirJson.RootElement.GetProperty("hash").GetUInt32(), ourJson.RootElement.GetProperty("hash").GetUInt32());
        Assert.Equal(theirJson.RootElement.GetProperty("totalKey").GetInt64(), ourJson.RootElement.GetProperty("totalKey").GetInt64());

        // The zstd binding in trimmed form: a stream from the zstd CLI decodes back to the same snapshot.
        var zstd = await ProcessRunner.RunAsync("zstd", ["-q", "-3", _dir.File("ours.db"), "-o", _dir.File("ours.db.zst")]);
        Assert.True(zstd.ExitCode == 0, zstd.Stderr);
        var decode = await RunAsync("backup", "decode", _dir.File("ours.db.zst"), _dir.File("decoded.db"));
        Assert.True(decode.ExitCode == 0, decode.Stderr);
        Assert.Equal(await File.ReadAllBytesAsync(_dir.File("ours.db")), await File.ReadAllBytesAsync(_dir.File("decoded.db")));
    }

    [Fact]
    public async Task PublishedBinaryReportsErrorsWithExitCodes()
    {
        var dead = await RunAsync("endpoint", "status", "--endpoints", $"http://127.0.0.1:{FreePorts.Next()}");
        var usage = await RunAsync("snapshot", "save");

        Assert.Equal(3, dead.ExitCode);
        Assert.Equal(2, usage.ExitCode);
    }

    public void Dispose() => _dir.Dispose();
}

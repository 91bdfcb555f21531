using System.Text.Json;
using EtcdAgent.IntegrationTests.Fixtures;
using Xunit;

namespace EtcdAgent.IntegrationTests.Cli;

/// <summary>
/// README's exit-code table, one row at a time, each cause provoked for real through the built binary (real etcd,
/// real s3rver, a real full tmpfs). Rows tested elsewhere: 3/4/5 (Cli/SecureEtcdCliTests, EndpointHealth), 6
/// (Storage/BackupCliTests, HostileManifestTests), 12 (Snapshots/SnapshotSaveTests: a full tmpfs), 1 (Restore/RestoreClusterTests: a restore step refused), 78 (Scheduling/RunCommandTests).
/// </summary>
public sealed class ExitCodeTableTests(EtcdAndS3Fixture fixture) : IClassFixture<EtcdAndS3Fixture>, IDisposable
{
    private readonly TempDir _dir = new();

    [Fact]
    public async Task ExitsSevenWithIsADirectoryWhenASnapshotFileIsADirectory()
    {
        var result = await Agent("snapshot", "status", _dir.Path);

        Assert.Equal(7, result.ExitCode);
        Assert.Contains("is a directory", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExitsTwoWithIsADirectoryForAConfigOrKeyFileThatIsADirectory()
    {
        var config = await Agent("config", "check", "--config", _dir.Path);
        Assert.Equal(2, config.ExitCode);
        Assert.Contains("is a directory", config.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("denied", config.Stderr, StringComparison.OrdinalIgnoreCase);

        var key = await Agent("backup", "decode", "/etc/hostname", _dir.File("out"), "--key-file", _dir.Path);
        Assert.Equal(2, key.ExitCode);
        Assert.Contains("is a directory", key.Stderr, StringComparison.Ordinal);

        var cacert = await Agent("endpoint", "status", "--endpoints", fixture.Cluster.Endpoints, "--cacert", _dir.Path);
        Assert.Equal(2, cacert.ExitCode);
        Assert.Contains("is a directory", cacert.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExitsTwoAndEchoesAHugeValueBounded()
    {
        var config = _dir.File("huge.yaml");
        await File.WriteAllTextAsync(config, $"cluster: {new string('X', 5_000_000)}\nstore:\n  type: local\n  local:\n    path: {_dir.Path}\n");

        var result = await Agent("config", "check", "--config", config);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("5000000 characters", result.Stderr, StringComparison.Ordinal);
        Assert.True(result.Stderr.Length < 4096, $"stderr was {result.Stderr.Length} characters");
    }

    [Fact]
    public async Task ExitsEightWhenTheStoreIsUnreachable()
    {
        var closed = FreePorts.Next();
        var config = WriteConfig("s3", "unreachable", s3Endpoint: $"http://127.0.0.1:{closed}");

        var list = await Agent("backup", "list", "--config", config);

        Assert.True(list.ExitCode == 8, list.Stderr);
        Assert.Contains("cannot reach the store", list.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExitsNineWhenTheStoreRefusesTheCredentials()
    {
        var config = WriteConfig("s3", "denied", credentialsFile: fixture.S3.CredentialsFile("NOT-S3RVER"));

        var list = await Agent("backup", "list", "--config", config);

        Assert.True(list.ExitCode == 9, list.Stderr);
        Assert.Contains("refused the credentials", list.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExitsTenWhenTheBackupIsNotInTheStore()
    {
        var config = WriteConfig("local", "missing");
        var create = await Agent("backup", "create", "--config", config);
        Assert.True(create.ExitCode == 0, create.Stderr);

        var download = await Agent("backup", "download", "20200101T000000Z-node-a-r1", _dir.File("x.db"), "--config", config);

        Assert.True(download.ExitCode == 10, download.Stderr);
        Assert.Contains("no backup", download.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(_dir.File("x.db")));
    }

    [Fact]
    public async Task ExitsElevenWhenAnotherBackupRunsOnThisNode()
    {
        var config = WriteConfig("local", "busy");
        var spool = _dir.File("spool-busy");
        Directory.CreateDirectory(spool);

        // The lock a running backup holds: flock(2) on the spool directory, taken here by flock(1).
        using var holder = System.Diagnostics.Process.Start("flock", ["--exclusive", spool, "sleep", "60"]);
        try
        {
            await WaitUntilLockedAsync(spool);
            var create = await Agent("backup", "create", "--config", config);

            Assert.True(create.ExitCode == 11, create.Stderr);
            Assert.Contains("another backup is running on this node", create.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            holder.Kill(entireProcessTree: true);
            await holder.WaitForExitAsync();
        }

        var after = await Agent("backup", "create", "--config", config);
        Assert.True(after.ExitCode == 0, after.Stderr);
    }

    [Fact]
    public async Task ConcurrentCreatesEitherBothSucceedWithDistinctIdsOrTheLaterIsBusy()
    {
        var config = WriteConfig("local", "concurrent");
        var results = await Task.WhenAll(Agent("backup", "create", "--config", config, "-w", "json"), Agent("backup", "create", "--config", config, "-w", "json"));

        Assert.All(results, r => Assert.True(r.ExitCode is 0 or 11, $"exit {r.ExitCode}: {r.Stderr}"));
        Assert.Contains(results, r => r.ExitCode == 0);

        // Back to back with nothing written in between: same revision, same second — still two backups.
        var first = await Agent("backup", "create", "--config", config, "-w", "json");
        var second = await Agent("backup", "create", "--config", config, "-w", "json");
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.True(second.ExitCode == 0, second.Stderr);
        var ids = results.Append(first).Append(second).Where(r => r.ExitCode == 0).Select(r => Id(r.Stdout)).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        var list = await Agent("backup", "list", "--config", config, "-w", "json");
        using var listed = JsonDocument.Parse(list.Stdout);
        Assert.Equal(ids.Count, listed.RootElement.GetArrayLength());
    }

    [Fact]
    public async Task ExitsElevenWhenAnotherRestoreHoldsTheNodesLock()
    {
        var state = _dir.File("state");
        Directory.CreateDirectory(Path.Combine(state, "restore"));
        using var held = new FileStream(Path.Combine(state, "restore", "lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);

        var restore = await Agent("restore", "--snapshot", "/etc/hostname", "--state-dir", state, "--yes", "--data-dir", _dir.File("data"),
            "--name", "m1", "--stop-command", "true", "--start-command", "true");

        Assert.True(restore.ExitCode == 11, restore.Stdout + restore.Stderr);
        Assert.Contains("another etcd-agent restore", restore.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExitsThirteenWhenADirectoryStoreIsFullAndLeavesNoEmptyBackupFolder()
    {
        await FillEtcdAsync("/exit13/");
        var mount = _dir.File("small13");
        Directory.CreateDirectory(mount);
        var config = WriteConfig("local", "full", localPath: mount, compression: "none");
        const string script = "mount -t tmpfs -o size=256k,mode=0700 tmpfs \"$0\" || exit 99; \"$1\" backup create --config \"$2\"; rc=$?; echo \"left: [$(ls -A \"$0\")]\"; exit $rc";
        var result = await ProcessRunner.RunAsync("unshare", ["-rm", "sh", "-c", script, mount, AgentBinary.Path, config],
            new Dictionary<string, string?> { ["ETCD_AGENT_KUBEADM_PKI_DIR"] = "/nonexistent" });

        Assert.True(result.ExitCode == 13, result.Stdout + result.Stderr);
        Assert.Contains("is full", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("left: []", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExitsOneThirtyWhenInterruptedMidCommand()
    {
        // A peer that accepts and never answers: the command waits (long timeouts) until it is interrupted.
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        using var agent = AgentProcess.Start(["endpoint", "status", "--endpoints", $"http://127.0.0.1:{port}", "--dial-timeout", "60s", "--command-timeout", "60s"]);
        using var accepted = await silent.AcceptTcpClientAsync();

        var code = await agent.TerminateAsync(TimeSpan.FromSeconds(20));

        Assert.True(code == 130, agent.Output);
    }

    public void Dispose() => _dir.Dispose();

    private static async Task WaitUntilLockedAsync(string directory)
    {
        for (var i = 0; i < 100; i++)
        {
            var probe = await ProcessRunner.RunAsync("flock", ["--nonblock", directory, "true"]);
            if (probe.ExitCode != 0)
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"flock(1) never took the lock on {directory}");
    }

    private static string Id(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("id").GetString()!;
    }

    private static Task<ProcessRunner.Result> Agent(params string[] args) => AgentBinary.RunAsync(args, S3rverNode.Environment);

    private async Task FillEtcdAsync(string prefix)
    {
        using var client = fixture.Cluster.Client();
        var value = Google.Protobuf.ByteString.CopyFrom(new byte[200_000]);
        for (var i = 0; i < 5; i++)
        {
            await client.PutAsync(new Etcdserverpb.PutRequest { Key = Google.Protobuf.ByteString.CopyFromUtf8($"{prefix}{i}"), Value = value });
        }
    }

    private string WriteConfig(string store, string prefix, string? s3Endpoint = null, string? credentialsFile = null, string? localPath = null,
        string compression = "zstd")
    {
        var local = localPath ?? _dir.File("store-" + prefix);
        Directory.CreateDirectory(local);
        var storeYaml = store == "s3"
            ? fixture.S3.StoreYaml(prefix, credentialsFile: credentialsFile)
            : $"""
              store:
                type: local
                local:
                  path: {local}
              """;
        if (s3Endpoint is not null)
        {
            storeYaml = System.Text.RegularExpressions.Regex.Replace(storeYaml, @"http://127\.0\.0\.1:\d+", s3Endpoint);
        }

        var path = _dir.File(prefix + ".yaml");
        File.WriteAllText(path, $"""
            cluster: test
            node: node-a
            etcd:
              endpoints: [{fixture.Cluster.Endpoints}]
            {storeYaml}
            backup:
              compression: {compression}
              spoolDir: {_dir.File("spool-" + prefix)}
            """);
        return path;
    }
}

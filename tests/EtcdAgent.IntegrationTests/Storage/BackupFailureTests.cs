using System.Diagnostics;
using System.Text.Json;
using EtcdAgent.IntegrationTests.Fixtures;
using Google.Protobuf;
using Xunit;

namespace EtcdAgent.IntegrationTests.Storage;

/// <summary>The store dying in the middle of a backup: the command fails, and nothing becomes visible.</summary>
public sealed class BackupFailureTests(SingleEtcdFixture fixture) : IClassFixture<SingleEtcdFixture>, IDisposable
{
    private readonly TempDir _dir = new("etcd-agent-s3fail");

    [Fact]
    public async Task S3rverKilledMidUploadFailsTheBackupAndNothingIsListed()
    {
        await FillAsync();
        var s3 = await S3rverNode.StartAsync(_dir);
        var config = WriteConfig(s3);
        var run = AgentBinary.RunAsync(["backup", "create", "--config", config], S3rverNode.Environment);
        var watch = Stopwatch.StartNew();
        while (!UploadStarted(s3) && watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(50);
        }

        await Task.Delay(500);
        s3.Kill();
        var result = await run;
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("cannot reach the store", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("failed (attempt 1), retrying", result.Stderr, StringComparison.Ordinal); // parts were in flight
        // The snapshot itself was whole: it finished streaming into the spool, was verified, and waits there (with a
        // draft manifest) for a later run to store it — the store dying loses nothing.
        Assert.Single(Directory.GetFiles(_dir.File("spool"), "*.db"));
        Assert.Single(Directory.GetFiles(_dir.File("spool"), "*.manifest.json"));
        Assert.Contains("stays in the spool", result.Stderr, StringComparison.Ordinal);

        // The same data directory served again: no backup is visible.
        using var again = await S3rverNode.StartAsync(_dir);
        var list = await AgentBinary.RunAsync(["backup", "list", "--config", WriteConfig(again), "-w", "json"], S3rverNode.Environment);
        Assert.True(list.ExitCode == 0, list.Stderr);
        Assert.Equal("[]", list.Stdout.Trim());
        s3.Dispose();
    }

    [Fact]
    public async Task ALocalStoreThatIsGoneStillLeavesTheVerifiedSnapshotInTheSpool()
    {
        // A directory store on a mount that is not there (NFS down) at a daemon's tick: like an S3 store that is
        // down, the snapshot is taken, verified and kept for a later run instead of not being taken at all.
        var config = _dir.File("local-gone.yaml");
        await File.WriteAllTextAsync(config, $"""
            cluster: test
            etcd:
              endpoints: [{fixture.Cluster.Endpoints}]
            store:
              type: local
              local:
                path: {_dir.File("not-mounted")}
            backup:
              spoolDir: {_dir.File("spool-local")}
            schedule:
              stateDir: {_dir.File("state-local")}
            """);

        var result = await AgentBinary.RunAsync(["run", "--once", "--config", config]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("does not exist", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("stays in the spool", result.Stderr, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(_dir.File("spool-local"), "*.db"));
        Assert.Single(Directory.GetFiles(_dir.File("spool-local"), "*.manifest.json"));
        Assert.False(Directory.Exists(_dir.File("not-mounted")));
    }

    [Fact]
    public async Task SigtermDuringAnUploadExitsZeroAndLeavesNoManifest()
    {
        await FillAsync();
        using var s3 = await S3rverNode.StartAsync(_dir);
        var config = WriteConfig(s3, schedule: "*/2 * * * * ?");
        using var agent = AgentProcess.Start(["run", "--config", config], S3rverNode.Environment);
        var watch = Stopwatch.StartNew();
        while (!agent.Output.Contains("snapshot of", StringComparison.Ordinal) && watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(50);
        }

        await Task.Delay(1500); // parts are going up at 4 MiB/s
        var exit = await agent.TerminateAsync(TimeSpan.FromSeconds(30));

        Assert.True(exit == 0, agent.Output);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(40), agent.Output);
        Assert.Contains("Stopping", agent.Output, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(s3.DataDir, "manifest.json*", SearchOption.AllDirectories));
        var list = await AgentBinary.RunAsync(["backup", "list", "--config", config, "-w", "json"], S3rverNode.Environment);
        Assert.Equal("[]", list.Stdout.Trim());
    }

    [Fact]
    public async Task TicksWhileTheStoreIsDownAreSpooledAndUploadedWhenItReturns()
    {
        var s3 = await S3rverNode.StartAsync(_dir);
        var port = s3.Port;
        s3.Dispose(); // the store is down from the start
        using var hook = new WebhookReceiver();
        var textfile = _dir.File("etcd_agent.prom");
        var config = WriteConfig(s3, schedule: "*/3 * * * * ?", compression: "zstd",
            extra: $"daemon:\n  webhook: {hook.Url}\nmetrics:\n  address: off\n  textfile: {textfile}\n");
        Directory.CreateDirectory(_dir.File("spool"));
        using var agent = AgentProcess.Start(["run", "--config", config], S3rverNode.Environment);
        var watch = Stopwatch.StartNew();
        while (Directory.GetFiles(_dir.File("spool"), "*.manifest.json").Length < 2 && watch.Elapsed < TimeSpan.FromSeconds(40))
        {
            await Task.Delay(200);
        }

        Assert.True(Directory.GetFiles(_dir.File("spool"), "*.manifest.json").Length >= 2, agent.Output);
        using var back = await S3rverNode.StartAsync(_dir, port: port);
        watch.Restart();
        while (Directory.GetFiles(_dir.File("spool"), "*.manifest.json").Length > 0 && watch.Elapsed < TimeSpan.FromSeconds(40))
        {
            await Task.Delay(200);
        }

        watch.Restart();
        while (!hook.Events.Any(e => e.Contains("\"recovery\"", StringComparison.Ordinal)) && watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(200);
        }

        Assert.Equal(0, await agent.TerminateAsync(TimeSpan.FromSeconds(30)));
        Assert.Empty(Directory.GetFiles(_dir.File("spool"), "*.db"));
        var list = await AgentBinary.RunAsync(["backup", "list", "--config", config, "-w", "json"], S3rverNode.Environment);
        using var listed = JsonDocument.Parse(list.Stdout);
        Assert.True(listed.RootElement.GetArrayLength() >= 3, agent.Output); // two spooled ticks + the one after the store came back
        var verify = await AgentBinary.RunAsync(["backup", "verify", listed.RootElement[listed.RootElement.GetArrayLength() - 1].GetProperty("id").GetString()!, "--config", config], S3rverNode.Environment);
        Assert.True(verify.ExitCode == 0, verify.Stderr); // the oldest, spooled one, is whole
        Assert.Contains("is now stored", agent.Output, StringComparison.Ordinal);

        // The webhook heard the failure (with its stage) and then the recovery; the textfile shows the backlog drained.
        var posted = hook.Events.Select(e => JsonDocument.Parse(e).RootElement).ToList();
        Assert.Contains(posted, e => e.GetProperty("event").GetString() == "failure" && e.GetProperty("stage").GetString() == "upload");
        Assert.True(posted[^1].GetProperty("event").GetString() == "recovery", string.Join("\n", hook.Events) + "\n" + agent.Output);
        Assert.Single(posted, e => e.GetProperty("event").GetString() == "recovery");
        var prom = await File.ReadAllTextAsync(textfile);
        Assert.Contains("etcd_agent_spool_backlog 0", prom, StringComparison.Ordinal);
        Assert.DoesNotContain("etcd_agent_failures_total{stage=\"upload\"} 0", prom, StringComparison.Ordinal);
        Assert.Contains("etcd_agent_failures_total{stage=\"upload\"} ", prom, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>~24 MB of incompressible values: several 5 MiB parts, slowed to 4 MiB/s so a kill lands mid-upload.</summary>
    private async Task FillAsync()
    {
        using var client = fixture.Cluster.Client(commandTimeout: TimeSpan.FromSeconds(30));
        if ((await client.GetAsync("/registry/big/047")).Kvs.Count > 0)
        {
            return;
        }

        var value = new byte[512 * 1024];
        for (var i = 0; i < 48; i++)
        {
            Random.Shared.NextBytes(value);
            await client.PutAsync(new Etcdserverpb.PutRequest { Key = ByteString.CopyFromUtf8($"/registry/big/{i:D3}"), Value = ByteString.CopyFrom(value) });
        }
    }

    private static bool UploadStarted(S3rverNode s3) =>
        Directory.Exists(s3.DataDir) && Directory.EnumerateFileSystemEntries(s3.DataDir, "*", SearchOption.AllDirectories).Count() > 1;

    private string WriteConfig(S3rverNode s3, string schedule = "0 0 3 * * ?", string compression = "none", string extra = "")
    {
        var path = _dir.File($"config-{s3.Port}.yaml");
        File.WriteAllText(path, $"""
            cluster: test
            node: node-a
            etcd:
              endpoints: [{fixture.Cluster.Endpoints}]
            {s3.StoreYaml("killed")}
                bandwidthLimit: 4MiB
            backup:
              compression: {compression}
              spoolDir: {_dir.File("spool")}
            schedule:
              backup: "{schedule}"
              stateDir: {_dir.File("state")}
            {extra}
            """);
        return path;
    }
}

using System.Text.Json;
using EtcdAgent.IntegrationTests.Fixtures;
using Google.Protobuf;
using Xunit;

namespace EtcdAgent.IntegrationTests.Storage;

/// <summary>
/// The spool (backup.spoolDir) against real etcd and the built binary: a full spool is reported as the spool, and
/// what a crashed run left there is found by doctor and then adopted or deleted by the daemon.
/// </summary>
public sealed class SpoolTests(SingleEtcdFixture fixture) : IClassFixture<SingleEtcdFixture>, IDisposable
{
    private readonly TempDir _dir = new("etcd-agent-spool");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task AFullSpoolIsReportedAsTheSpoolWithTheBytesNeededAndTheConfigKeyNotAsAFullStore()
    {
        await FillAsync();
        var mount = _dir.File("small-spool");
        Directory.CreateDirectory(mount);
        var config = WriteConfig(_dir.File("store"), mount);

        // A backup to verify later, taken while the spool directory is still a plain directory on the real disk.
        var first = await AgentBinary.RunAsync("backup", "create", "--config", config);
        Assert.True(first.ExitCode == 0, first.Stderr);
        long dbSize;
        using (var client = fixture.Cluster.Client())
        {
            dbSize = (await client.StatusAsync(fixture.Cluster.First.ClientUrl)).DbSize;
        }

        // A 256 KiB tmpfs over the spool in a private mount namespace (the snapshot is > 1 MB); the store stays on the
        // real disk with room to spare. Each command's exit code and what it left in the spool are printed.
        const string script = """
            mount -t tmpfs -o size=256k tmpfs "$0" || exit 99
            for verb in "backup create" "run --once" "backup verify latest"; do
              echo "== $verb"; "$1" $verb --config "$2" 2>&1; echo "== rc=$? left: [$(ls -A "$0")]"
            done
            """;
        var result = await ProcessRunner.RunAsync("unshare", ["-rm", "sh", "-c", script, mount, AgentBinary.Path, config],
            new Dictionary<string, string?> { ["ETCD_AGENT_KUBEADM_PKI_DIR"] = "/nonexistent", ["ETCD_AGENT_ENDPOINTS"] = null, ["ETCDCTL_ENDPOINTS"] = null }, TimeSpan.FromMinutes(2));
        Assert.NotEqual(99, result.ExitCode);
        var sections = result.Stdout.Split("== ", StringSplitOptions.RemoveEmptyEntries);
        Assert.True(sections.Length == 6, result.Stdout + result.Stderr);

        var create = sections[0];
        Assert.Contains("rc=12 left: []", sections[1], StringComparison.Ordinal); // a local disk is full
        Assert.Contains($"the spool directory {mount} is full", create, StringComparison.Ordinal);
        Assert.Contains($"({dbSize} bytes)", create, StringComparison.Ordinal);
        Assert.Contains("set backup.spoolDir", create, StringComparison.Ordinal);
        Assert.DoesNotContain("is full while writing", create, StringComparison.Ordinal); // the store's own message
        Assert.DoesNotContain("or prune", create, StringComparison.Ordinal);

        // The daemon's tick says the same (and fails: exit 1 for --once).
        Assert.Contains($"the spool directory {mount} is full", sections[2], StringComparison.Ordinal);
        Assert.Contains("backup.spoolDir", sections[2], StringComparison.Ordinal);
        Assert.Contains("rc=1 left: []", sections[3], StringComparison.Ordinal);

        // backup verify fetches into the spool too.
        Assert.Contains($"the spool directory {mount} is full", sections[4], StringComparison.Ordinal);
        Assert.Contains("backup.spoolDir", sections[4], StringComparison.Ordinal);
        Assert.Contains("rc=12 left: []", sections[5], StringComparison.Ordinal);
    }

    [Fact]
    public async Task LeftoversOfACrashAreReportedByDoctorAndTheDaemonAdoptsTheVerifiedOneAndDeletesTheRest()
    {
        // A verified snapshot with its draft manifest, as a run whose upload failed leaves it: a real backup's plain
        // snapshot and manifest, put into the spool of a config whose store does not have it.
        var firstSpool = _dir.File("spool-first");
        var made = WriteConfig(_dir.File("store-first"), firstSpool, name: "first.yaml");
        Directory.CreateDirectory(_dir.File("store-first"));
        var create = await AgentBinary.RunAsync("backup", "create", "--config", made, "-w", "json");
        Assert.True(create.ExitCode == 0, create.Stderr);
        string id;
        using (var manifest = JsonDocument.Parse(create.Stdout))
        {
            id = manifest.RootElement.GetProperty("id").GetString()!;
        }

        var spool = _dir.File("spool");
        Directory.CreateDirectory(spool);
        var download = await AgentBinary.RunAsync("backup", "download", id, Path.Combine(spool, id + ".db"), "--config", made);
        Assert.True(download.ExitCode == 0, download.Stderr);
        File.Copy(Path.Combine(_dir.File("store-first"), "spooltest", id, "manifest.json"), Path.Combine(spool, id + ".db.manifest.json"));

        // What crashes leave: a half-streamed snapshot, a snapshot never verified, a draft cut short, a lone draft.
        var part = Path.Combine(spool, "20260101T000000Z-node-a-r5.db.part");
        var unverified = Path.Combine(spool, "20260101T000100Z-node-a-r6.db");
        var cutDraft = Path.Combine(spool, "20260101T000200Z-node-a-r7.db");
        var loneDraft = Path.Combine(spool, "20260101T000300Z-node-a-r8.db.manifest.json");
        await File.WriteAllBytesAsync(part, new byte[4096]);
        await File.WriteAllBytesAsync(unverified, new byte[8192]);
        await File.WriteAllBytesAsync(cutDraft, new byte[8192]);
        await File.WriteAllTextAsync(cutDraft + ".manifest.json", "{\"formatVersion\": 1, \"id\": \"2026");
        await File.WriteAllTextAsync(loneDraft, "{}");

        // And one a live writer holds (an exclusive flock, as AtomicFile's): not a leftover, left alone.
        var live = Path.Combine(spool, "20260101T000400Z-node-b-r9.db.part");
        using var writer = new FileStream(live, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);

        var store = _dir.File("store");
        Directory.CreateDirectory(store);
        var config = WriteConfig(store, spool);
        var doctor = await AgentBinary.RunAsync("doctor", "--config", config, "-w", "json");
        JsonElement check;
        using (var json = JsonDocument.Parse(doctor.Stdout))
        {
            check = json.RootElement.EnumerateArray().Single(c => c.GetProperty("name").GetString() == "spool leftovers").Clone();
        }

        Assert.Equal("warn", check.GetProperty("status").GetString());
        var detail = check.GetProperty("detail").GetString()!;
        var fix = check.GetProperty("fix").GetString()!;
        foreach (var leftover in new[] { part, unverified, cutDraft, loneDraft })
        {
            Assert.Contains(Path.GetFileName(leftover), detail, StringComparison.Ordinal);
            Assert.Contains(leftover, fix, StringComparison.Ordinal);
        }

        Assert.Contains(cutDraft + ".manifest.json", fix, StringComparison.Ordinal); // goes with its snapshot
        Assert.Contains($"verified snapshot of backup {id}", detail, StringComparison.Ordinal);
        Assert.DoesNotContain(Path.GetFileName(live), detail, StringComparison.Ordinal);
        Assert.Contains("run --once", fix, StringComparison.Ordinal);

        // The daemon (one tick): logs and deletes the leftovers, uploads the verified snapshot as backup `id`, then
        // takes this tick's backup.
        var tick = await AgentBinary.RunAsync("run", "--once", "--config", config);
        Assert.True(tick.ExitCode == 0, tick.Stderr);
        foreach (var leftover in new[] { part, unverified, cutDraft, loneDraft })
        {
            Assert.Contains($"deleted {leftover}", tick.Stderr, StringComparison.Ordinal);
        }

        Assert.Contains($"Spooled backup {id} is now stored", tick.Stderr, StringComparison.Ordinal);
        Assert.Contains($"{live} is being written by a running backup; left alone", tick.Stderr, StringComparison.Ordinal);
        Assert.Equal([live], Directory.GetFiles(spool));

        var list = await AgentBinary.RunAsync("backup", "list", "--config", config, "-w", "json");
        using (var listed = JsonDocument.Parse(list.Stdout))
        {
            Assert.Equal(2, listed.RootElement.GetArrayLength());
            Assert.Contains(listed.RootElement.EnumerateArray(), b => b.GetProperty("id").GetString() == id);
        }

        var verify = await AgentBinary.RunAsync("backup", "verify", id, "--config", config);
        Assert.True(verify.ExitCode == 0, verify.Stderr);

        // With the leftovers gone and the backlog stored, doctor is content (the live writer's file is not a leftover).
        var again = await AgentBinary.RunAsync("doctor", "--config", config, "-w", "json");
        using var after = JsonDocument.Parse(again.Stdout);
        var status = after.RootElement.EnumerateArray().Single(c => c.GetProperty("name").GetString() == "spool leftovers");
        Assert.Equal("pass", status.GetProperty("status").GetString());
    }

    [Fact]
    public async Task TheDaemonUploadsAVerifiedSpoolAtStartWithoutWaitingForATick()
    {
        // A verified snapshot and its draft, as a run whose upload failed leaves them (see the test above).
        var made = WriteConfig(_dir.File("store-made"), _dir.File("spool-made"), name: "made.yaml");
        var create = await AgentBinary.RunAsync("backup", "create", "--config", made, "-w", "json");
        Assert.True(create.ExitCode == 0, create.Stderr);
        string id;
        using (var manifest = JsonDocument.Parse(create.Stdout))
        {
            id = manifest.RootElement.GetProperty("id").GetString()!;
        }

        var spool = Directory.CreateDirectory(_dir.File("spool-catch-up")).FullName;
        var download = await AgentBinary.RunAsync("backup", "download", id, Path.Combine(spool, id + ".db"), "--config", made);
        Assert.True(download.ExitCode == 0, download.Stderr);
        File.Copy(Path.Combine(_dir.File("store-made"), "spooltest", id, "manifest.json"), Path.Combine(spool, id + ".db.manifest.json"));

        // The next backup tick is at 03:00: only the start-up catch-up job can store it now.
        var store = _dir.File("store-catch-up");
        using var agent = AgentProcess.Start(["run", "--config", WriteConfig(store, spool, name: "catch-up.yaml")]);
        await agent.WaitForOutputAsync($"Spooled backup {id} is now stored", TimeSpan.FromSeconds(60));
        Assert.Equal(0, await agent.TerminateAsync(TimeSpan.FromSeconds(30)));

        Assert.True(File.Exists(Path.Combine(store, "spooltest", id, "manifest.json")), agent.Output);
        Assert.Empty(Directory.GetFiles(spool));
        Assert.DoesNotContain("backup failed", agent.Output, StringComparison.Ordinal);
        var verify = await AgentBinary.RunAsync("backup", "verify", id, "--config", _dir.File("catch-up.yaml"));
        Assert.True(verify.ExitCode == 0, verify.Stderr);
    }

    /// <summary>Over a megabyte of etcd data, so a snapshot cannot fit the 256 KiB spool.</summary>
    private async Task FillAsync()
    {
        using var client = fixture.Cluster.Client();
        var value = ByteString.CopyFrom(new byte[200_000]);
        for (var i = 0; i < 6; i++)
        {
            await client.PutAsync(new Etcdserverpb.PutRequest { Key = ByteString.CopyFromUtf8($"/registry/spool/{i}"), Value = value });
        }
    }

    private string WriteConfig(string store, string spool, string name = "config.yaml")
    {
        Directory.CreateDirectory(store);
        var path = _dir.File(name);
        File.WriteAllText(path, $"""
            cluster: spooltest
            node: node-a
            etcd:
              endpoints: [{fixture.Cluster.Endpoints}]
            store:
              type: local
              local:
                path: {store}
            backup:
              compression: zstd
              spoolDir: {spool}
            schedule:
              backup: "0 0 3 * * ?"
              stateDir: {_dir.File("state")}
            retention:
              keepLast: 10
            metrics:
              address: off
            """);
        return path;
    }
}

using System.Text.Json.Nodes;
using EtcdAgent.IntegrationTests.Fixtures;
using Xunit;
using static EtcdAgent.IntegrationTests.Restore.RestoreHelpers;

namespace EtcdAgent.IntegrationTests.Restore;

/// <summary>
/// `etcd-agent restore` of one real etcd member, started and stopped only through scripts (explicit topology): the
/// backup's keys and revision come back, later writes are gone, and every fault leaves the old data recoverable.
/// </summary>
public sealed class RestoreSingleMemberTests() : ScriptedMemberTestBase("etcd-agent-restore")
{
    [Fact]
    public async Task RestoreBringsBackTheBackupsKeysAndRevisionAndRollbackUndoesIt()
    {
        using var client = Etcd.Client();
        await PutAsync(client, "/registry/pods/", 30, "backed-up");
        var id = await BackupAsync(Etcd, Store);
        var backupRevision = (await client.GetAsync("/registry/pods/000")).Header.Revision;
        await PutAsync(client, "/registry/later/", 7);
        await client.PutAsync("/registry/pods/000", "changed-after-backup");

        var restore = await AgentAsync(["restore", "--snapshot", "latest", "--store", Store, "--yes", .. Explicit(Etcd, State)]);
        Assert.True(restore.ExitCode == 0, restore.Stdout + restore.Stderr + Etcd.Log);
        Assert.Contains(id, restore.Stdout, StringComparison.Ordinal);
        Assert.Contains("as in the backup", restore.Stdout, StringComparison.Ordinal);

        using var restored = Etcd.Client();
        Assert.Equal("backed-up-0", await GetAsync(restored, "/registry/pods/000"));
        Assert.Null(await GetAsync(restored, "/registry/later/000"));
        Assert.Equal(30, await restored.CountAllKeysAsync());
        Assert.Equal(backupRevision, (await restored.GetAsync("/registry/pods/000")).Header.Revision);
        var journal = Journal(State);
        Assert.Equal("completed", journal.GetProperty("state").GetString());
        var token = journal.GetProperty("token").GetString()!;
        Assert.StartsWith("etcd-agent-", token, StringComparison.Ordinal);
        Assert.Contains(token, restore.Stdout, StringComparison.Ordinal);
        var oldMember = Directory.GetDirectories(Etcd.DataDir, "old-member", SearchOption.AllDirectories).Single();
        Assert.True(File.Exists(Path.Combine(oldMember, "snap", "db")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(Etcd.DataDir, "member")));

        // The restored cluster has the id etcd derives from the new token (what the HA start gate relies on).
        var status = await restored.StatusAsync(new Uri(Etcd.ClientUrl));
        var expectedCluster = EtcdAgent.Restore.InitialCluster.Parse($"m1={Etcd.PeerUrl}", "test").ClusterId(token);
        Assert.Equal(expectedCluster, status.Header.ClusterId);

        var rollback = await AgentAsync(["restore", "--rollback", "--state-dir", State]);
        Assert.True(rollback.ExitCode == 0, rollback.Stdout + rollback.Stderr);
        await Etcd.WaitHealthyAsync(TimeSpan.FromSeconds(30));
        using var old = Etcd.Client();
        Assert.Equal("changed-after-backup", await GetAsync(old, "/registry/pods/000"));
        Assert.Equal("v-6", await GetAsync(old, "/registry/later/006"));
        Assert.Equal("rolled-back", Journal(State).GetProperty("state").GetString());
    }

    [Fact]
    public async Task TamperedBackupIsRefusedBeforeAnythingIsTouched()
    {
        using var client = Etcd.Client();
        await PutAsync(client, "/t/", 10);
        await BackupAsync(Etcd, Store);
        var stored = Directory.GetFiles(Store, "snapshot.db*", SearchOption.AllDirectories).Single();
        var bytes = File.ReadAllBytes(stored);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(stored, bytes);

        // Keep the stopped data dir still so it compares byte for byte; the stop and start commands only record.
        await Etcd.StopAsync();
        var before = Tree(Etcd.DataDir, includeRestoreWork: true);
        var calls = Dir.File("calls.log");
        string[] flags = ["--snapshot", "latest", "--store", Store, "--yes", .. Explicit(Etcd, State)];
        flags[Array.IndexOf(flags, "--stop-command") + 1] = $"echo stop >> {calls}";
        flags[Array.IndexOf(flags, "--start-command") + 1] = $"echo start >> {calls}";

        var restore = await AgentAsync(["restore", .. flags]);

        Assert.Equal(6, restore.ExitCode);
        Assert.Contains("Nothing on this node was changed", restore.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(calls), "neither stop nor start may have run");
        Assert.Equal(before, Tree(Etcd.DataDir, includeRestoreWork: true));
        Assert.False(Directory.Exists(Path.Combine(State, "restore")) && Directory.GetFiles(Path.Combine(State, "restore"), "*", SearchOption.AllDirectories).Any(f => !f.EndsWith("lock", StringComparison.Ordinal)));
    }

    // The oldest backup's manifest edited to name the newest backup's payload: refused (exit 6), not restored as
    // the newest backup's data under the old name.
    [Fact]
    public async Task ADamagedManifestIsRefusedBeforeAnythingIsTouched()
    {
        using var client = Etcd.Client();
        await PutAsync(client, "/old/", 3);
        var old = await BackupAsync(Etcd, Store);
        await PutAsync(client, "/new/", 3);
        var newest = await BackupAsync(Etcd, Store);
        var oldManifest = Directory.GetFiles(Path.Combine(Store, "default", old), "manifest.json").Single();
        var newManifest = JsonNode.Parse(File.ReadAllText(Directory.GetFiles(Path.Combine(Store, "default", newest), "manifest.json").Single()))!;
        var edited = JsonNode.Parse(File.ReadAllText(oldManifest))!;
        edited["stored"] = newManifest["stored"]!.DeepClone();
        File.WriteAllText(oldManifest, edited.ToJsonString());
        await Etcd.StopAsync();
        var before = Tree(Etcd.DataDir, includeRestoreWork: true);

        var restore = await AgentAsync(["restore", "--snapshot", old, "--store", Store, "--yes", .. Explicit(Etcd, State)]);

        Assert.True(restore.ExitCode == 6, restore.Stdout + restore.Stderr);
        Assert.Contains($"backup {old} is damaged", restore.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, Tree(Etcd.DataDir, includeRestoreWork: true));
    }

    [Fact]
    public async Task DryRunPrintsThePlanAndChangesNothing()
    {
        using var client = Etcd.Client();
        await PutAsync(client, "/d/", 5);
        await BackupAsync(Etcd, Store);
        await Etcd.StopAsync();
        var before = Tree(Etcd.DataDir, includeRestoreWork: true);

        var dry = await AgentAsync(["restore", "--snapshot", "latest", "--store", Store, "--dry-run", "--kubernetes", .. Explicit(Etcd, State)]);

        Assert.True(dry.ExitCode == 0, dry.Stdout + dry.Stderr);
        Assert.Contains("Steps:", dry.Stdout, StringComparison.Ordinal);
        Assert.Contains("Dry run: nothing was changed.", dry.Stdout, StringComparison.Ordinal);
        Assert.Contains("cannot bump the revision", dry.Stdout, StringComparison.Ordinal); // etcdctl 3.4.23 and --kubernetes below
        Assert.Equal(before, Tree(Etcd.DataDir, includeRestoreWork: true));
        Assert.False(Etcd.IsRunning);
        Assert.False(Directory.Exists(Path.Combine(State, "restore")) && Directory.EnumerateDirectories(Path.Combine(State, "restore")).Any());
    }

    [Fact]
    public async Task KilledBetweenMoveAsideAndStartRollsBackByteIdenticalAndResumeCompletes()
    {
        using var client = Etcd.Client();
        await PutAsync(client, "/k/", 12, "backed-up");
        await BackupAsync(Etcd, Store);
        await PutAsync(client, "/k-later/", 3);
        // Stopped before the restore (whose stop is then a no-op), so the tree can be compared byte for byte.
        await Etcd.StopAsync();
        var before = Tree(Etcd.DataDir);

        // The start command hangs until the agent is killed (a power cut mid-restore); afterwards it only records.
        var killed = Dir.File("killed");
        var starts = Dir.File("starts.log");
        var start = $"if [ -f {killed} ]; then echo start >> {starts}; else sleep 60; fi";
        string[] flags = ["--snapshot", "latest", "--store", Store, "--yes", .. Explicit(Etcd, State)];
        flags[Array.IndexOf(flags, "--start-command") + 1] = start;
        using (var agent = AgentProcess.Start(["restore", .. flags], Environment()))
        {
            await WaitForAsync(() => Directory.Exists(Path.Combine(State, "restore")) && Directory.GetFiles(Path.Combine(State, "restore"), "journal.json", SearchOption.AllDirectories).Length == 1
                && StepStatus(Journal(State), "start-etcd") == "started", TimeSpan.FromSeconds(60), () => agent.Output);
            agent.Kill();
        }

        File.WriteAllText(killed, "yes");
        Assert.False(Etcd.IsRunning);
        Assert.Equal("done", StepStatus(Journal(State), "install"));

        var second = await AgentAsync(["restore", "--snapshot", "latest", "--store", Store, "--yes", .. Explicit(Etcd, State)]);
        Assert.Equal(2, second.ExitCode);
        Assert.Contains("did not finish", second.Stderr, StringComparison.Ordinal);

        var rollback = await AgentAsync(["restore", "--rollback", "--state-dir", State]);
        Assert.True(rollback.ExitCode == 0, rollback.Stdout + rollback.Stderr);
        Assert.Equal(before, Tree(Etcd.DataDir));
        Assert.Equal("start\n", File.ReadAllText(starts));
        await Etcd.StartAsync();
        await Etcd.WaitHealthyAsync(TimeSpan.FromSeconds(30));
        using (var old = Etcd.Client())
        {
            Assert.Equal("v-2", await GetAsync(old, "/k-later/002"));
        }

        // Again, interrupted the same way, and this time finished with --resume.
        File.Delete(killed);
        using (var agent = AgentProcess.Start(["restore", .. flags], Environment()))
        {
            await WaitForAsync(() => Directory.GetFiles(Path.Combine(State, "restore"), "journal.json", SearchOption.AllDirectories).Length == 2
                && NewestStep(State, "start-etcd") == "started", TimeSpan.FromSeconds(60), () => agent.Output);
            agent.Kill();
        }

        File.WriteAllText(killed, "yes");
        await Etcd.StartAsync(); // what the interrupted start command would have done
        var resume = await AgentAsync(["restore", "--resume", "--state-dir", State]);
        Assert.True(resume.ExitCode == 0, resume.Stdout + resume.Stderr + Etcd.Log);
        Assert.Contains("(again: it was interrupted)", resume.Stdout, StringComparison.Ordinal);
        using var restored = Etcd.Client();
        Assert.Null(await GetAsync(restored, "/k-later/002"));
        Assert.Equal("backed-up-11", await GetAsync(restored, "/k/011"));
    }

    [Fact]
    public async Task BadInputsAreRefusedWithWhatToDo()
    {
        var noSnapshot = await AgentAsync(["restore", "--yes", .. Explicit(Etcd, State)]);
        Assert.Equal(2, noSnapshot.ExitCode);
        Assert.Contains("--snapshot latest", noSnapshot.Stderr, StringComparison.Ordinal);

        var missingFile = await AgentAsync(["restore", "--snapshot", Dir.File("nope.db"), "--yes", .. Explicit(Etcd, State)]);
        Assert.Equal(2, missingFile.ExitCode);
        Assert.Contains("no such file", missingFile.Stderr, StringComparison.Ordinal);

        var noYes = await AgentAsync(["restore", "--snapshot", await SaveAsync(), .. Explicit(Etcd, State)]);
        Assert.Equal(2, noYes.ExitCode);
        Assert.Contains("--yes", noYes.Stderr, StringComparison.Ordinal);

        var relative = await AgentAsync(["restore", "--snapshot", await SaveAsync(), "--topology", "explicit", "--name", "m1", "--data-dir", "rel/dir",
            "--initial-advertise-peer-urls", Etcd.PeerUrl, "--state-dir", State, "--dry-run"]);
        Assert.Equal(2, relative.ExitCode);
        Assert.Contains("ambiguous", relative.Stderr, StringComparison.Ordinal);

        var wrongName = await AgentAsync(["restore", "--snapshot", await SaveAsync(), "--initial-cluster", "other=http://127.0.0.1:1", "--dry-run", .. Explicit(Etcd, State)]);
        Assert.Equal(2, wrongName.ExitCode);
        Assert.Contains("no member of that name", wrongName.Stderr, StringComparison.Ordinal);

        var badBinary = await AgentAsync(["restore", "--snapshot", await SaveAsync(), "--restore-binary", Dir.File("etcdutl"), "--dry-run", .. Explicit(Etcd, State)]);
        Assert.Equal(2, badBinary.ExitCode);
        Assert.Contains("does not exist", badBinary.Stderr, StringComparison.Ordinal);

        var bump = await AgentAsync(["restore", "--snapshot", await SaveAsync(), "--bump-revision", "1000", "--dry-run", .. Explicit(Etcd, State)]);
        Assert.Equal(2, bump.ExitCode);
        Assert.Contains("cannot bump the revision", bump.Stderr, StringComparison.Ordinal);

        var truncated = Dir.File("truncated.db");
        var saved = File.ReadAllBytes(await SaveAsync());
        File.WriteAllBytes(truncated, saved[..(saved.Length - 100)]);
        var corrupt = await AgentAsync(["restore", "--snapshot", truncated, "--yes", .. Explicit(Etcd, State)]);
        Assert.Equal(6, corrupt.ExitCode);
        Assert.True(Etcd.IsRunning);
    }

    private async Task<string> SaveAsync()
    {
        var path = Dir.File("saved.db");
        if (!File.Exists(path))
        {
            var save = await AgentAsync(["snapshot", "save", path, "--endpoints", Etcd.ClientUrl]);
            Assert.True(save.ExitCode == 0, save.Stderr);
        }

        return path;
    }

    private static string NewestStep(string state, string step)
    {
        var newest = Directory.GetDirectories(Path.Combine(state, "restore")).Order(StringComparer.Ordinal).Last();
        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path.Combine(newest, "journal.json")));
        return StepStatus(document.RootElement, step);
    }

    internal static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout, Func<string> diagnostics)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            try
            {
                if (condition())
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is IOException or System.Text.Json.JsonException or InvalidOperationException)
            {
                // The journal is being replaced; look again.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("condition not met in time:\n" + diagnostics());
    }
}

using Xunit;
using static EtcdAgent.IntegrationTests.Restore.RestoreHelpers;

namespace EtcdAgent.IntegrationTests.Restore;

/// <summary>
/// Issue 16 item 2: a rollback always has a way out. The journal's stop command goes stale (`kill PID` of a process
/// that is gone, or any command that worked once and no longer does); flags given to the rollback win, a member that is demonstrably down counts as stopped, a failed
/// rollback is run again, and `--abandon` ends a journal an operator repaired by hand.
/// </summary>
public sealed class RestoreWayOutTests() : ScriptedMemberTestBase("etcd-agent-restore-wayout")
{
    protected override async Task SeedAsync()
    {
        using var client = Etcd.Client();
        await PutAsync(client, "/k/", 10, "backed-up");
        await BackupAsync(Etcd, Store);
        await PutAsync(client, "/later/", 3);
    }

    [Fact]
    public async Task RollbackWhoseJournaledStopIsStaleFailsClearlyAndSucceedsWithTheStopCommandGivenNow()
    {
        await RestoreWithAStopCommandThatGoesStaleAsync();

        // The journal's stop command fails now, and the restored etcd still answers.
        var stale = await AgentAsync(["restore", "--rollback", "--state-dir", State, "--stop-timeout", "5s"]);
        Assert.NotEqual(0, stale.ExitCode);
        Assert.Contains("still answers", stale.Stderr, StringComparison.Ordinal);
        Assert.Contains("--stop-command", stale.Stderr, StringComparison.Ordinal);
        Assert.Contains("--abandon", stale.Stderr, StringComparison.Ordinal);
        Assert.Equal("rolling-back", Journal(State).GetProperty("state").GetString());

        var retry = await AgentAsync(["restore", "--rollback", "--state-dir", State, "--stop-command", Etcd.StopCommand]);
        Assert.True(retry.ExitCode == 0, retry.Stdout + retry.Stderr);
        Assert.Contains($"--stop-command {Etcd.StopCommand}", retry.Stdout, StringComparison.Ordinal);
        Assert.Equal("rolled-back", Journal(State).GetProperty("state").GetString());
        await Etcd.WaitHealthyAsync(TimeSpan.FromSeconds(30));
        using var old = Etcd.Client();
        Assert.Equal("v-2", await GetAsync(old, "/later/002"));
    }

    [Fact]
    public async Task StaleStopWhileTheMemberIsDemonstrablyDownCountsAsDone()
    {
        await RestoreWithAStopCommandThatGoesStaleAsync();
        await Etcd.StopAsync(); // the operator stopped it by hand

        var rollback = await AgentAsync(["restore", "--rollback", "--state-dir", State]);

        Assert.True(rollback.ExitCode == 0, rollback.Stdout + rollback.Stderr);
        Assert.True(rollback.Stdout.Contains("etcd is down", StringComparison.Ordinal), rollback.Stdout);
        Assert.Contains("counted as stopped", rollback.Stdout, StringComparison.Ordinal);
        Assert.Equal("rolled-back", Journal(State).GetProperty("state").GetString());
        await Etcd.WaitHealthyAsync(TimeSpan.FromSeconds(30));
        using var old = Etcd.Client();
        Assert.Equal("v-2", await GetAsync(old, "/later/002"));
    }

    [Fact]
    public async Task AbandonEndsARepairedJournalWithAWarningAndAFreshRestoreWorks()
    {
        // The start command fails: the restore stops with the restored member in place and the old one aside.
        string[] flags = [.. Explicit(Etcd, State)];
        flags[Array.IndexOf(flags, "--start-command") + 1] = "false";
        var failed = await AgentAsync(["restore", "--snapshot", "latest", "--store", Store, "--yes", .. flags]);
        Assert.NotEqual(0, failed.ExitCode);
        Assert.Equal("in-progress", Journal(State).GetProperty("state").GetString());
        var oldMember = Directory.GetDirectories(Etcd.DataDir, "old-member", SearchOption.AllDirectories).Single();

        // The operator starts etcd by hand and is happy with the restored data.
        await Etcd.StartAsync();
        await Etcd.WaitHealthyAsync(TimeSpan.FromSeconds(30));

        var unconfirmed = await AgentAsync(["restore", "--abandon", "--state-dir", State]);
        Assert.Equal(2, unconfirmed.ExitCode);
        Assert.Contains("--yes", unconfirmed.Stderr, StringComparison.Ordinal);
        Assert.Equal("in-progress", Journal(State).GetProperty("state").GetString());

        var abandon = await AgentAsync(["restore", "--abandon", "--yes", "--state-dir", State]);
        Assert.True(abandon.ExitCode == 0, abandon.Stdout + abandon.Stderr);
        Assert.Contains("WARNING", abandon.Stdout, StringComparison.Ordinal);
        Assert.Contains(oldMember, abandon.Stdout, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(Etcd.DataDir, "member"), abandon.Stdout, StringComparison.Ordinal);
        Assert.Contains("journal.json", abandon.Stdout, StringComparison.Ordinal);
        Assert.Equal("abandoned", Journal(State).GetProperty("state").GetString());
        Assert.True(File.Exists(Path.Combine(oldMember, "snap", "db")), "the old member stays where it was");

        var rollback = await AgentAsync(["restore", "--rollback", "--state-dir", State]);
        Assert.Equal(2, rollback.ExitCode);
        Assert.Contains("abandoned", rollback.Stderr, StringComparison.Ordinal);
        var resume = await AgentAsync(["restore", "--resume", "--state-dir", State]);
        Assert.Equal(2, resume.ExitCode);

        var fresh = await AgentAsync(["restore", "--snapshot", "latest", "--store", Store, "--yes", .. Explicit(Etcd, State)]);
        Assert.True(fresh.ExitCode == 0, fresh.Stdout + fresh.Stderr + Etcd.Log);
        using var restored = Etcd.Client();
        Assert.Equal("backed-up-9", await GetAsync(restored, "/k/009"));
        Assert.Null(await GetAsync(restored, "/later/002"));
    }

    /// <summary>
    /// A completed restore whose journaled stop command worked once and fails from then on, as `kill PID` does once
    /// that process is gone. (Not `kill PID` itself: here nothing reaps the orphaned etcd, so its zombie keeps the pid
    /// and `kill` goes on succeeding.)
    /// </summary>
    private async Task RestoreWithAStopCommandThatGoesStaleAsync()
    {
        var ticket = Dir.File("stop-ticket");
        File.WriteAllText(ticket, "once");
        string[] flags = [.. Explicit(Etcd, State)];
        flags[Array.IndexOf(flags, "--stop-command") + 1] = $"rm {ticket} && {Etcd.StopCommand}";
        var restore = await AgentAsync(["restore", "--snapshot", "latest", "--store", Store, "--yes", .. flags]);
        Assert.True(restore.ExitCode == 0, restore.Stdout + restore.Stderr + Etcd.Log);
        Assert.False(File.Exists(ticket));
    }
}

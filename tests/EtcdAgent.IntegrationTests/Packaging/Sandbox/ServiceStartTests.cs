using System.Text.Json;
using EtcdAgent.IntegrationTests.Fixtures;
using Xunit;

namespace EtcdAgent.IntegrationTests.Packaging.Sandbox;

/// <summary>
/// The installed package under a real systemd (PID 1 in a sandbox): enabled not started, Type=notify start, STATUS=,
/// a scheduled backup, and a bad config that must not crash-loop. etcd and s3rver run on the host's loopback.
/// </summary>
[Collection(nameof(SystemdSandboxGroup))]
public sealed class ServiceStartTests(EtcdAndS3Fixture fixture) : IClassFixture<EtcdAndS3Fixture>
{
    [Fact]
    public async Task InstalledEnabledNotStarted_StartReturnsAfterReady_StatusShown_ScheduledBackupLands()
    {
        await using var sandbox = await InstalledAgent.BootAndInstallAsync();

        Assert.Equal("enabled", (await sandbox.RunAsync("systemctl", "is-enabled", InstalledAgent.Unit)).Stdout.Trim());
        Assert.Equal("inactive", (await sandbox.RunAsync("systemctl", "is-active", InstalledAgent.Unit)).Stdout.Trim());

        await InstalledAgent.WriteConfigAsync(sandbox, fixture.Cluster, fixture.S3, """
            schedule:
              backup: "*/5 * * * * ?"
            """);
        await sandbox.RunCheckedAsync("systemctl", "start", InstalledAgent.Unit);

        // Type=notify: `systemctl start` blocks while the unit is "activating" and returns once READY=1 arrived, so
        // the very next look must see it active, with the STATUS= text the daemon sent right after READY.
        Assert.Equal("notify", await sandbox.PropertyAsync(InstalledAgent.Unit, "Type"));
        Assert.Equal("active running", $"{await sandbox.PropertyAsync(InstalledAgent.Unit, "ActiveState")} {await sandbox.PropertyAsync(InstalledAgent.Unit, "SubState")}");
        Assert.StartsWith("next backup ", await sandbox.PropertyAsync(InstalledAgent.Unit, "StatusText"), StringComparison.Ordinal);
        var status = await sandbox.RunAsync("systemctl", "status", "--no-pager", InstalledAgent.Unit);
        Assert.Contains("Status: \"next backup ", status.Stdout, StringComparison.Ordinal);
        var journal = await sandbox.JournalAsync(InstalledAgent.Unit);
        var ready = journal.ToList().FindIndex(e => e.Message.Contains("Scheduler running", StringComparison.Ordinal));
        var started = journal.ToList().FindIndex(e => e.Identifier == "systemd" && e.Message.StartsWith("Started etcd-agent.service", StringComparison.Ordinal));
        Assert.True(ready >= 0 && started > ready, "systemd reported the unit started before the daemon's scheduler ran:\n" + string.Join('\n', journal.Select(e => e.Message)));

        // A scheduled tick (every 5 s) stores a backup the CLI on the node lists, and the status line says so.
        await sandbox.WaitUntilAsync(async () => (await sandbox.PropertyAsync(InstalledAgent.Unit, "StatusText")).Contains("last backup ", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), "a scheduled backup reported in the unit's status");
        var list = await InstalledAgent.CliAsync(sandbox, "backup", "list", "-w", "json");
        Assert.True(list.ExitCode == 0, list.Stderr);
        using var listed = JsonDocument.Parse(list.Stdout);
        Assert.True(listed.RootElement.GetArrayLength() >= 1, list.Stdout);
        var id = listed.RootElement[0].GetProperty("id").GetString()!;
        Assert.EndsWith("-" + sandbox.Hostname + "-r" + listed.RootElement[0].GetProperty("revision").GetInt64(), id, StringComparison.Ordinal);
        Assert.Equal("0", await sandbox.PropertyAsync(InstalledAgent.Unit, "NRestarts"));
    }

    [Fact]
    public async Task BadConfigExits78_IsNotRestarted_AndTheJournalNamesEveryBadFieldAtErrPriority()
    {
        await using var sandbox = await InstalledAgent.BootAndInstallAsync();
        // RestartSec= shortened so that a restart, if one were (wrongly) scheduled, happens inside the wait below.
        await InstalledAgent.DropInAsync(sandbox, "fast-restart", "[Service]\nRestartSec=1s\n");
        await sandbox.WriteFileAsync(InstalledAgent.ConfigPath, """
            cluster: sbx
            etcd:
              endpoints: [ftp://127.0.0.1:1]
            store:
              type: local
              local:
                path: relative/dir
            schedule:
              backup: "every tuesday"
            retention:
              keepLast: -3
            """);

        var start = await sandbox.RunAsync("systemctl", "start", InstalledAgent.Unit);
        Assert.NotEqual(0, start.ExitCode);
        Assert.Equal("78", await sandbox.PropertyAsync(InstalledAgent.Unit, "ExecMainStatus"));
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.Equal("0", await sandbox.PropertyAsync(InstalledAgent.Unit, "NRestarts"));
        Assert.Equal("failed", await sandbox.PropertyAsync(InstalledAgent.Unit, "ActiveState"));

        var journal = await sandbox.JournalAsync(InstalledAgent.Unit);
        var text = string.Join('\n', journal.Where(e => e.Identifier == "etcd-agent" && e.Priority <= 3).Select(e => e.Message));
        foreach (var field in new[] { "etcd.endpoints", "store.local.path", "schedule.backup", "retention.keepLast" })
        {
            Assert.True(text.Contains(field, StringComparison.Ordinal),
                $"no err-priority journal line names {field}; the journal:\n{string.Join('\n', journal.Select(e => $"<{e.Priority}> {e.Identifier}: {e.Message}"))}");
        }

        Assert.Contains(InstalledAgent.ConfigPath, text, StringComparison.Ordinal);
    }
}

using System.Diagnostics;
using EtcdAgent.IntegrationTests.Fixtures;
using Xunit;

namespace EtcdAgent.IntegrationTests.Packaging.Sandbox;

/// <summary>
/// The installed service on a bad day, under a real systemd: frozen (watchdog), failing ticks
/// (journal priorities), with secrets configured that must never reach the journal.
/// </summary>
[Collection(nameof(SystemdSandboxGroup))]
public sealed class ServiceFailureTests(EtcdAndS3Fixture fixture) : IClassFixture<EtcdAndS3Fixture>
{
    [Fact]
    public async Task AFrozenDaemonIsKilledByTheWatchdogAndRestarted()
    {
        await using var sandbox = await InstalledAgent.BootAndInstallAsync();
        await InstalledAgent.WriteConfigAsync(sandbox, fixture.Cluster, fixture.S3);
        // Only the timeouts are shortened (the shipped 2min watchdog and 10 s restart delay would make this test
        // minutes long); the pings, SIGABRT, the unit's TimeoutAbortSec and Restart=on-failure are the shipped ones.
        await InstalledAgent.DropInAsync(sandbox, "fast-watchdog", "[Service]\nWatchdogSec=4s\nRestartSec=1s\n");
        await sandbox.RunCheckedAsync("systemctl", "start", InstalledAgent.Unit);
        var pid = await sandbox.PropertyAsync(InstalledAgent.Unit, "MainPID");

        // Alive and pinging: three watchdog periods pass without a restart.
        await Task.Delay(TimeSpan.FromSeconds(12));
        Assert.Equal("0", await sandbox.PropertyAsync(InstalledAgent.Unit, "NRestarts"));
        Assert.Equal(pid, await sandbox.PropertyAsync(InstalledAgent.Unit, "MainPID"));

        // Frozen: no ping can be sent; systemd must notice, kill it (SIGABRT cannot end a stopped process, so the
        // unit's TimeoutAbortSec decides when SIGKILL follows) and start a new one.
        await sandbox.RunCheckedAsync("systemctl", "kill", "--kill-whom=main", "--signal=SIGSTOP", InstalledAgent.Unit);
        var frozen = Stopwatch.StartNew();
        await sandbox.WaitUntilAsync(async () => await sandbox.PropertyAsync(InstalledAgent.Unit, "NRestarts") == "1"
                && await sandbox.PropertyAsync(InstalledAgent.Unit, "ActiveState") == "active",
            TimeSpan.FromSeconds(60), "a restart after the watchdog timeout");
        Assert.NotEqual(pid, await sandbox.PropertyAsync(InstalledAgent.Unit, "MainPID"));
        var unitAbort = TimeSpan.FromSeconds(int.Parse(System.Text.RegularExpressions.Regex.Match(
            await File.ReadAllTextAsync(RepoPaths.File("packaging", "systemd", "etcd-agent.service")), @"^TimeoutAbortSec=(\d+)s$",
            System.Text.RegularExpressions.RegexOptions.Multiline).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(frozen.Elapsed < TimeSpan.FromSeconds(4) + unitAbort + TimeSpan.FromSeconds(10),
            $"the restart took {frozen.Elapsed.TotalSeconds:0.0} s after the freeze (watchdog 4 s + abort {unitAbort.TotalSeconds} s)");

        var systemd = (await sandbox.JournalAsync(InstalledAgent.Unit)).Where(e => e.Identifier == "systemd").Select(e => e.Message).ToList();
        Assert.Contains(systemd, m => m.Contains("Watchdog timeout", StringComparison.Ordinal));
        Assert.Contains(systemd, m => m.Contains("Failed with result 'watchdog'", StringComparison.Ordinal));
        Assert.Contains(systemd, m => m.Contains("Scheduled restart job, restart counter is at 1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FailuresReachTheJournalAsErrAndWarningAndNoSecretDoes()
    {
        using var storeDir = new TempDir("etcd-agent-sbx-s3");
        var store = await S3rverNode.StartAsync(storeDir);
        await using var sandbox = await InstalledAgent.BootAndInstallAsync();
        await sandbox.RunCheckedAsync("etcd-agent", "key", "generate", "/etc/etcd-agent/backup.key");
        await InstalledAgent.WriteConfigAsync(sandbox, fixture.Cluster, store, """
            backup:
              encryption:
                keyFile: /etc/etcd-agent/backup.key
            schedule:
              backup: "*/3 * * * * ?"
            """);
        await sandbox.RunCheckedAsync("systemctl", "start", InstalledAgent.Unit);
        await sandbox.WaitUntilAsync(async () => (await sandbox.PropertyAsync(InstalledAgent.Unit, "StatusText")).Contains("last backup ", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), "a first backup");

        // The store goes away: the next ticks fail at upload (error) and keep their snapshot in the spool (warning).
        store.Kill();
        await sandbox.WaitUntilAsync(async () => (await sandbox.JournalAsync(InstalledAgent.Unit)).Any(e => e.Priority == 3 && e.Identifier == "etcd-agent"),
            TimeSpan.FromSeconds(90), "an error in the journal after the store went away");

        var entries = (await sandbox.JournalAsync(InstalledAgent.Unit)).Where(e => e.Identifier == "etcd-agent").ToList();
        var dump = string.Join('\n', entries.Select(e => $"<{e.Priority}> {e.Message}"));
        Assert.True(entries.Any(e => e.Priority == 3 && e.Message.Contains("backup failed at upload", StringComparison.Ordinal)), dump);
        Assert.True(entries.Any(e => e.Priority == 4 && e.Message.Contains("stays in the spool", StringComparison.Ordinal)), dump);
        Assert.True(entries.Any(e => e.Priority == 6 && e.Message.Contains("stored", StringComparison.Ordinal)), dump);
        Assert.False(entries.Any(e => e.Message.StartsWith('<')), dump);

        // No secret in any form: the key file's text, the key's bytes in hex and base64, the S3 secret.
        var keyText = (await File.ReadAllTextAsync(sandbox.HostPath("/etc/etcd-agent/backup.key"))).Trim();
        var journal = (await sandbox.RunCheckedAsync("journalctl", "--no-pager", "-o", "cat")) + dump;
        foreach (var secret in SecretForms(keyText).Append("aws_secret_access_key"))
        {
            Assert.False(journal.Contains(secret, StringComparison.OrdinalIgnoreCase), $"the journal holds a secret ({secret[..4]}…)");
        }
    }

    /// <summary>The key file's text and, when it is base64 or hex, its bytes in the other encodings.</summary>
    private static IEnumerable<string> SecretForms(string keyText)
    {
        yield return keyText;
        foreach (var line in keyText.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Where(l => l.Length >= 16))
        {
            yield return line;
            byte[]? bytes = null;
            try
            {
                bytes = Convert.FromBase64String(line);
            }
            catch (FormatException)
            {
                try
                {
                    bytes = Convert.FromHexString(line);
                }
                catch (FormatException)
                {
                }
            }

            if (bytes is { Length: >= 16 })
            {
                yield return Convert.ToHexString(bytes);
                yield return Convert.ToBase64String(bytes);
            }
        }
    }
}

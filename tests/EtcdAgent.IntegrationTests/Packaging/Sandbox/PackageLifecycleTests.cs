using EtcdAgent.IntegrationTests.Fixtures;
using Xunit;

namespace EtcdAgent.IntegrationTests.Packaging.Sandbox;

/// <summary>
/// The package's life on a node, under a real systemd: upgrade of a running service, remove, reinstall, purge — what
/// each keeps (the operator's config, backups, keys, state) and what it removes.
/// </summary>
[Collection(nameof(SystemdSandboxGroup))]
public sealed class PackageLifecycleTests(SingleEtcdFixture fixture) : IClassFixture<SingleEtcdFixture>
{
    private const string Unit = "/lib/systemd/system/etcd-agent.service";
    private const string EnabledLink = "/etc/systemd/system/multi-user.target.wants/etcd-agent.service";
    private const string Backups = "/var/lib/etcd-agent/backups/sbx";

    [Fact]
    public async Task UpgradeRestartsTheRunningServiceAndKeepsConfigStateAndSpool_RemoveAndPurgeKeepBackupsAndKeys()
    {
        using var work = new TempDir("etcd-agent-sbx-deb");
        var newer = await RepackAsync(work, RepoPaths.Version + "+sbx1");
        await using var sandbox = await InstalledAgent.BootAndInstallAsync();

        // The operator's edit of the conffile: this node's etcd, the shipped local store, a tick every 3 s.
        await sandbox.WriteFileAsync(InstalledAgent.ConfigPath, $"""
            # edited by the operator
            cluster: sbx
            etcd:
              endpoints: [{fixture.Cluster.Endpoints}]
            store:
              type: local
              local:
                path: /var/lib/etcd-agent/backups
            schedule:
              backup: "*/3 * * * * ?"
            metrics:
              address: 127.0.0.1:{FreePorts.Next()}
            """);
        var edited = await File.ReadAllTextAsync(sandbox.HostPath(InstalledAgent.ConfigPath));
        await sandbox.RunCheckedAsync("etcd-agent", "key", "generate", "/etc/etcd-agent/backup.key");
        await sandbox.RunCheckedAsync("systemctl", "start", InstalledAgent.Unit);
        await sandbox.WaitUntilAsync(async () => (await sandbox.PropertyAsync(InstalledAgent.Unit, "StatusText")).Contains("last backup ", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), "a first backup");
        // A store outage leaves a verified snapshot waiting in the spool: the store directory made unwritable (the
        // service is root without CAP_DAC_OVERRIDE, so the owner's missing write bit stops it).
        File.SetUnixFileMode(sandbox.HostPath(Backups), UnixFileMode.UserRead | UnixFileMode.UserExecute);
        string? spooled = null;
        await sandbox.WaitUntilAsync(async () =>
        {
            spooled = (await sandbox.JournalAsync(InstalledAgent.Unit))
                .Select(e => System.Text.RegularExpressions.Regex.Match(e.Message, @"stays in the spool at (\S+) because"))
                .LastOrDefault(m => m.Success)?.Groups[1].Value;
            return spooled is not null;
        }, TimeSpan.FromSeconds(60), "a snapshot kept in the spool while the store fails");
        var state = Directory.GetFiles(sandbox.HostPath("/var/lib/etcd-agent")).Select(Path.GetFileName).ToList();
        var pid = await sandbox.PropertyAsync(InstalledAgent.Unit, "MainPID");

        // Upgrade: the running service restarts onto the new package; everything the operator and the daemon made stays.
        await InstalledAgent.InstallAsync(sandbox, newer);
        Assert.Equal(RepoPaths.Version + "+sbx1", (await sandbox.RunCheckedAsync("dpkg-query", "-W", "-f=${Version}", "etcd-agent")).Trim());
        Assert.Equal("active", await sandbox.PropertyAsync(InstalledAgent.Unit, "ActiveState"));
        Assert.NotEqual(pid, await sandbox.PropertyAsync(InstalledAgent.Unit, "MainPID"));
        Assert.Equal(edited, await File.ReadAllTextAsync(sandbox.HostPath(InstalledAgent.ConfigPath)));
        Assert.False(File.Exists(sandbox.HostPath(InstalledAgent.ConfigPath + ".dpkg-dist")), "dpkg offered a new conffile for an unchanged one");
        Assert.True(File.Exists(sandbox.HostPath(spooled!)), $"the upgrade lost the spooled snapshot {spooled}");
        File.SetUnixFileMode(sandbox.HostPath(Backups), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Assert.True(File.Exists(sandbox.HostPath("/etc/etcd-agent/backup.key")));
        foreach (var file in state)
        {
            Assert.True(File.Exists(sandbox.HostPath("/var/lib/etcd-agent/" + file)), $"the upgrade lost /var/lib/etcd-agent/{file}");
        }

        var backups = Directory.GetDirectories(sandbox.HostPath(Backups)).Length;
        Assert.True(backups >= 1);

        // apt remove: stopped, binary gone, config, keys and backups kept, the unit masked so nothing starts a missing binary.
        await sandbox.RunCheckedAsync("dpkg", "-r", "etcd-agent");
        Assert.Equal("inactive", (await sandbox.RunAsync("systemctl", "is-active", InstalledAgent.Unit)).Stdout.Trim());
        Assert.False(File.Exists(sandbox.HostPath("/usr/bin/etcd-agent")));
        Assert.Equal(edited, await File.ReadAllTextAsync(sandbox.HostPath(InstalledAgent.ConfigPath)));
        Assert.True(Directory.GetDirectories(sandbox.HostPath(Backups)).Length >= backups);
        Assert.Equal("/dev/null", new FileInfo(sandbox.HostPath("/etc/systemd/system/etcd-agent.service")).LinkTarget);

        // Reinstalled: unmasked, still enabled, the edited config untouched.
        await InstalledAgent.InstallAsync(sandbox, newer);
        Assert.False(Path.Exists(sandbox.HostPath("/etc/systemd/system/etcd-agent.service")));
        Assert.Equal(Unit, new FileInfo(sandbox.HostPath(EnabledLink)).LinkTarget);
        Assert.Equal(edited, await File.ReadAllTextAsync(sandbox.HostPath(InstalledAgent.ConfigPath)));

        // Purge: everything the package and the daemon made goes, except backups and the operator's own key.
        await sandbox.RunCheckedAsync("dpkg", "-P", "etcd-agent");
        foreach (var gone in new[] { "/usr/bin/etcd-agent", Unit, EnabledLink, "/etc/systemd/system/etcd-agent.service",
                     InstalledAgent.ConfigPath, "/var/lib/etcd-agent/spool", "/usr/share/doc/etcd-agent",
                     "/var/lib/systemd/deb-systemd-helper-enabled/etcd-agent.service.dsh-also",
                     "/var/lib/systemd/deb-systemd-helper-masked/etcd-agent.service" })
        {
            Assert.False(Path.Exists(sandbox.HostPath(gone)), $"{gone} is still there after dpkg -P");
        }

        Assert.Equal(["/etc/etcd-agent/backup.key"], Directory.GetFileSystemEntries(sandbox.HostPath("/etc/etcd-agent")).Select(Inside));
        Assert.Equal(["/var/lib/etcd-agent/backups"], Directory.GetFileSystemEntries(sandbox.HostPath("/var/lib/etcd-agent")).Select(Inside));
        Assert.True(Directory.GetDirectories(sandbox.HostPath(Backups)).Length >= backups, "purge deleted backups");
        Assert.Equal("", (await sandbox.RunAsync("systemctl", "list-unit-files", "--no-legend", "etcd-agent.service")).Stdout.Trim());

        string Inside(string hostPath) => hostPath[sandbox.HostPath(string.Empty).Length..];
    }

    /// <summary>Purge of an install that never backed up leaves nothing: the empty store directory goes too.</summary>
    [Fact]
    public async Task PurgeOfAnUnusedInstallLeavesNothing()
    {
        await using var sandbox = await InstalledAgent.BootAndInstallAsync();
        Assert.True(Directory.Exists(sandbox.HostPath("/var/lib/etcd-agent/backups")));
        await sandbox.RunCheckedAsync("dpkg", "-P", "etcd-agent");
        foreach (var gone in new[] { "/var/lib/etcd-agent", "/etc/etcd-agent", "/usr/bin/etcd-agent", Unit, EnabledLink })
        {
            Assert.False(Path.Exists(sandbox.HostPath(gone)), $"purge left {gone} behind");
        }

        Assert.NotEqual(0, (await sandbox.RunAsync("dpkg", "-s", "etcd-agent")).ExitCode);
    }

    /// <summary>The built .deb with a higher version: what `apt upgrade` would bring, same files otherwise.</summary>
    private static async Task<string> RepackAsync(TempDir work, string version)
    {
        var tree = work.File("tree");
        await ProcessRunner.RunCheckedAsync("dpkg-deb", "-R", RepoPaths.Deb, tree);
        var control = Path.Combine(tree, "DEBIAN", "control");
        var text = await File.ReadAllTextAsync(control);
        await File.WriteAllTextAsync(control, text.Replace("Version: " + RepoPaths.Version + "\n", "Version: " + version + "\n", StringComparison.Ordinal));
        var deb = work.File($"etcd-agent_{version}_amd64.deb");
        await ProcessRunner.RunCheckedAsync("dpkg-deb", "--root-owner-group", "-Zxz", "-z0", "--build", tree, deb);
        return deb;
    }
}

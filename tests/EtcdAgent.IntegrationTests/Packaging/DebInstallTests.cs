using System.Text.Json;
using EtcdAgent.IntegrationTests.Fixtures;
using Xunit;

namespace EtcdAgent.IntegrationTests.Packaging;

/// <summary>
/// Tests that change this machine itself (dpkg -i into /usr/bin, /etc, /var/lib): they run alone, after every
/// parallel test of the assembly, so no other test sees a half-installed package or loses files under
/// /var/lib/etcd-agent to the purge.
/// </summary>
[CollectionDefinition(nameof(HostPackageGroup), DisableParallelization = true)]
public sealed class HostPackageGroup;

/// <summary>
/// A real install and purge of the .deb on this machine. dpkg -i is real, so this needs root (CI runs as root),
/// refuses to run where etcd-agent is installed or has data, and purges in a finally block whatever happens.
/// </summary>
[Collection(nameof(HostPackageGroup))]
public sealed class DebInstallTests
{
    private const string Unit = "/lib/systemd/system/etcd-agent.service";
    private const string EnabledLink = "/etc/systemd/system/multi-user.target.wants/etcd-agent.service";

    /// <summary>What purge leaves on purpose (postrm, README "Uninstall"): backups and the operator's own secrets.</summary>
    private const string LocalBackups = "/var/lib/etcd-agent/backups";

    [Fact]
    public async Task PackageInstallsEnablesWithoutStartingAndPurgesToTheDocumentedLeftovers()
    {
        await HostPackage.EnsureNothingInstalledAsync();
        try
        {
            await HostPackage.DpkgAsync("-i", RepoPaths.Deb);

            // Installed, enabled, not started (nothing to start here anyway: systemd is not PID 1).
            Assert.True(File.Exists("/usr/bin/etcd-agent"));
            Assert.Equal("/lib/systemd/system/etcd-agent.service", new FileInfo(EnabledLink).LinkTarget);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode("/etc/etcd-agent/config.yaml"));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode("/var/lib/etcd-agent"));
            Assert.True(Directory.Exists("/var/lib/etcd-agent/spool"));

            // The unit at its real path, now that its ExecStart binary and its man page exist.
            var verify = await ProcessRunner.RunAsync("systemd-analyze", ["verify", Unit]);
            Assert.True(verify.ExitCode == 0 && !verify.Stderr.Contains("etcd-agent.service", StringComparison.Ordinal), verify.Stderr);

            var version = await ProcessRunner.RunCheckedAsync("/usr/bin/etcd-agent", "version", "-w", "json");
            using (var json = JsonDocument.Parse(version.Stdout))
            {
                Assert.StartsWith(RepoPaths.Version + "+", json.RootElement.GetProperty("version").GetString(), StringComparison.Ordinal);
                Assert.NotEqual(string.Empty, json.RootElement.GetProperty("commit").GetString());
            }

            // The shipped config as installed, found at its default path, with no other file needed.
            var check = await HostPackage.RunInstalledAsync("config", "check");
            Assert.True(check.ExitCode == 0, check.Stderr);
            Assert.Contains("/etc/etcd-agent/config.yaml: OK", check.Stdout, StringComparison.Ordinal);

            // The examples name keys and credentials a real node would have: valid, with only those files missing.
            foreach (var example in Directory.GetFiles("/usr/share/doc/etcd-agent/examples", "*.yaml"))
            {
                var result = await HostPackage.RunInstalledAsync("config", "check", "--config", example);
                Assert.True(result.ExitCode == 0 || result.Stderr.Contains(" is valid, but ", StringComparison.Ordinal),
                    $"{example}: {result.Stderr}");
            }

            // What an operator and the daemon leave behind: a key, a backup in the default local store, spool and state.
            var key = await HostPackage.RunInstalledAsync("key", "generate", "/etc/etcd-agent/backup.key");
            Assert.True(key.ExitCode == 0, key.Stderr);
            Directory.CreateDirectory(LocalBackups + "/default/20260101T000000Z-n1-r1");
            File.WriteAllText(LocalBackups + "/default/20260101T000000Z-n1-r1/manifest.json", "{}");
            File.WriteAllText("/var/lib/etcd-agent/spool/20260101T000000Z-n1-r2.db", "spooled");
            File.WriteAllText("/var/lib/etcd-agent/last-tick", "state");

            await HostPackage.DpkgAsync("-P", "etcd-agent");

            foreach (var gone in new[] { "/usr/bin/etcd-agent", Unit, EnabledLink, "/etc/systemd/system/etcd-agent.service",
                         "/etc/etcd-agent/config.yaml", "/var/lib/etcd-agent/spool", "/var/lib/etcd-agent/last-tick",
                         "/var/lib/systemd/deb-systemd-helper-enabled/etcd-agent.service.dsh-also",
                         "/var/lib/systemd/deb-systemd-helper-masked/etcd-agent.service", "/usr/share/doc/etcd-agent" })
            {
                Assert.False(Path.Exists(gone), $"{gone} is still there after dpkg -P");
            }

            Assert.True(File.Exists(LocalBackups + "/default/20260101T000000Z-n1-r1/manifest.json"), "purge deleted backups");
            Assert.True(File.Exists("/etc/etcd-agent/backup.key"), "purge deleted the operator's encryption key");
            Assert.Equal(["/etc/etcd-agent/backup.key"], Directory.GetFileSystemEntries("/etc/etcd-agent"));
            Assert.Equal([LocalBackups], Directory.GetFileSystemEntries("/var/lib/etcd-agent"));
        }
        finally
        {
            await HostPackage.PurgeEverythingAsync();
        }

        Assert.False(File.Exists("/usr/bin/etcd-agent"));
    }

    [Fact]
    public async Task RemoveKeepsTheConfigAndMasksTheUnitAndReinstallComesBackEnabled()
    {
        await HostPackage.EnsureNothingInstalledAsync();
        try
        {
            await HostPackage.DpkgAsync("-i", RepoPaths.Deb);
            await File.AppendAllTextAsync("/etc/etcd-agent/config.yaml", "# edited by the operator\n");

            // apt remove: binary gone, the operator's config kept, the unit masked so nothing starts a missing binary.
            await HostPackage.DpkgAsync("-r", "etcd-agent");
            Assert.False(File.Exists("/usr/bin/etcd-agent"));
            Assert.Contains("# edited by the operator", await File.ReadAllTextAsync("/etc/etcd-agent/config.yaml"), StringComparison.Ordinal);
            Assert.Equal("/dev/null", new FileInfo("/etc/systemd/system/etcd-agent.service").LinkTarget);

            // Reinstalled: unmasked, still enabled, the edited config untouched (a conffile).
            await HostPackage.DpkgAsync("-i", RepoPaths.Deb);
            Assert.False(Path.Exists("/etc/systemd/system/etcd-agent.service"));
            Assert.Equal(Unit, new FileInfo(EnabledLink).LinkTarget);
            Assert.Contains("# edited by the operator", await File.ReadAllTextAsync("/etc/etcd-agent/config.yaml"), StringComparison.Ordinal);

            // Purge from the removed state (apt remove, later apt purge) cleans up as well.
            await HostPackage.DpkgAsync("-r", "etcd-agent");
            await HostPackage.DpkgAsync("-P", "etcd-agent");
            foreach (var gone in new[] { EnabledLink, "/etc/systemd/system/etcd-agent.service", "/etc/etcd-agent", HostPackage.StateDir })
            {
                Assert.False(Path.Exists(gone), $"{gone} is still there after dpkg -r, dpkg -P");
            }
        }
        finally
        {
            await HostPackage.PurgeEverythingAsync();
        }
    }
}

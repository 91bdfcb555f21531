using System.Text.Json;
using EtcdAgent.IntegrationTests.Fixtures;
using Xunit;

namespace EtcdAgent.IntegrationTests.Packaging;

/// <summary>
/// The package works as installed: a fresh `dpkg -i`, the shipped /etc/etcd-agent/config.yaml untouched, and the
/// installed binary pointed at a real etcd only through the documented environment override (ETCD_AGENT_ENDPOINTS,
/// which stands in for what kubeadm's PKI gives on a control-plane node). doctor, backup create and one scheduled
/// tick must then work, so every directory the shipped config and the unit name has to exist.
/// </summary>
[Collection(nameof(HostPackageGroup))]
public sealed class ShippedConfigTests(SingleEtcdFixture fixture) : IClassFixture<SingleEtcdFixture>
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>The shipped config's local store, spool (backup.spoolDir's default) and state directory.</summary>
    private static readonly string[] Directories = ["/var/lib/etcd-agent", "/var/lib/etcd-agent/backups", "/var/lib/etcd-agent/spool"];

    /// <summary>
    /// What a fresh install must pass. The one check left out is the encryption key: the shipped config has none on
    /// purpose (a key must be escrowed first), so doctor warns about it. "systemd watchdog" passes outside systemd too:
    /// it reads the installed unit (Type=notify, WatchdogSec=2min) from /lib/systemd/system.
    /// </summary>
    private static readonly string[] MustPass =
    [
        "config valid", "etcd reachable", "member role and health", "permission to snapshot", "store reachable",
        "store round trip", "spool disk space", "spool leftovers", "clock skew", "systemd watchdog",
    ];

    [Fact]
    public async Task FreshInstallWithTheShippedConfigPassesDoctorAndBacksUp()
    {
        await HostPackage.EnsureNothingInstalledAsync();
        try
        {
            await HostPackage.DpkgAsync("-i", RepoPaths.Deb);

            foreach (var dir in Directories)
            {
                Assert.True(Directory.Exists(dir), $"{dir} does not exist after install");
                Assert.True(File.GetUnixFileMode(dir) == OwnerOnly, $"{dir} is {File.GetUnixFileMode(dir)}, not 0700: it holds snapshots");
                var owner = await ProcessRunner.RunCheckedAsync("stat", "-c", "%u:%g", dir);
                Assert.Equal("0:0", owner.Stdout.Trim());
            }

            var environment = new Dictionary<string, string?> { ["ETCD_AGENT_ENDPOINTS"] = fixture.Cluster.Endpoints };
            var doctor = await HostPackage.RunInstalledAsync(["doctor", "-w", "json"], environment);
            var statuses = ParseDoctor(doctor);
            foreach (var name in MustPass)
            {
                Assert.True(statuses.TryGetValue(name, out var status) && status == "pass",
                    $"doctor's \"{name}\" is {status ?? "missing"} on a fresh install:\n{doctor.Stdout}{doctor.Stderr}");
            }

            Assert.Equal("warn", statuses["encryption key"]);
            Assert.True(doctor.ExitCode == 0, doctor.Stdout + doctor.Stderr);

            var create = await HostPackage.RunInstalledAsync(["backup", "create", "-w", "json"], environment);
            Assert.True(create.ExitCode == 0, create.Stderr);
            string id;
            using (var manifest = JsonDocument.Parse(create.Stdout))
            {
                id = manifest.RootElement.GetProperty("id").GetString()!;
            }

            Assert.True(File.Exists($"/var/lib/etcd-agent/backups/default/{id}/manifest.json"), create.Stdout);

            // What the daemon does at each tick (lock, backup, prune), once, with the same file.
            var tick = await HostPackage.RunInstalledAsync(["run", "--once"], environment);
            Assert.True(tick.ExitCode == 0, tick.Stderr);
            var verify = await HostPackage.RunInstalledAsync(["backup", "verify", "latest"], environment);
            Assert.True(verify.ExitCode == 0, verify.Stderr);
            Assert.Equal(2, Directory.GetFiles("/var/lib/etcd-agent/backups/default", "manifest.json", SearchOption.AllDirectories).Length);
            Assert.Empty(Directory.GetFileSystemEntries("/var/lib/etcd-agent/spool"));

            // Purge keeps real backups (README "Uninstall") and removes the rest of the state.
            await HostPackage.DpkgAsync("-P", "etcd-agent");
            Assert.True(File.Exists($"/var/lib/etcd-agent/backups/default/{id}/manifest.json"), "purge deleted backups");
            Assert.Equal(["/var/lib/etcd-agent/backups"], Directory.GetFileSystemEntries("/var/lib/etcd-agent"));
        }
        finally
        {
            await HostPackage.PurgeEverythingAsync();
        }

        Assert.False(Path.Exists("/var/lib/etcd-agent"));
    }

    /// <summary>Purge of an install that never backed up leaves nothing: the empty store directory goes too.</summary>
    [Fact]
    public async Task PurgeOfAnUnusedInstallRemovesTheEmptyStoreDirectory()
    {
        await HostPackage.EnsureNothingInstalledAsync();
        try
        {
            await HostPackage.DpkgAsync("-i", RepoPaths.Deb);
            Assert.True(Directory.Exists("/var/lib/etcd-agent/backups"));
            await HostPackage.DpkgAsync("-P", "etcd-agent");
            Assert.False(Path.Exists("/var/lib/etcd-agent"), "purge left /var/lib/etcd-agent behind");
        }
        finally
        {
            await HostPackage.PurgeEverythingAsync();
        }
    }

    private static Dictionary<string, string> ParseDoctor(ProcessRunner.Result doctor)
    {
        try
        {
            using var json = JsonDocument.Parse(doctor.Stdout);
            return json.RootElement.EnumerateArray()
                .ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("status").GetString()!, StringComparer.Ordinal);
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"doctor printed no JSON (exit {doctor.ExitCode}):\n{doctor.Stdout}{doctor.Stderr}", ex);
        }
    }
}

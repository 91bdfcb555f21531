using System.Text.Json;
using EtcdAgent.IntegrationTests.Fixtures;
using Xunit;

namespace EtcdAgent.IntegrationTests.Packaging.Sandbox;

/// <summary>
/// The package works as installed, on a node that looks like a kubeadm control plane: its own network (so etcd can
/// have kubeadm's 127.0.0.1:2379 and the agent its default 127.0.0.1:9479), etcd as a TLS unit with kubeadm's PKI
/// file names under /etc/kubernetes/pki/etcd, and the shipped /etc/etcd-agent/config.yaml untouched.
/// </summary>
[Collection(nameof(SystemdSandboxGroup))]
public sealed class ShippedConfigTests
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const string Pki = "/etc/kubernetes/pki/etcd";

    /// <summary>The shipped config's local store, spool (backup.spoolDir's default) and state directory.</summary>
    private static readonly string[] Directories = ["/var/lib/etcd-agent", "/var/lib/etcd-agent/backups", "/var/lib/etcd-agent/spool"];

    /// <summary>
    /// What a fresh install must pass. The one check left out is the encryption key: the shipped config has none on
    /// purpose (a key must be escrowed first), so doctor warns about it.
    /// </summary>
    private static readonly string[] MustPass =
    [
        "config valid", "etcd reachable", "member role and health", "permission to snapshot", "store reachable",
        "store round trip", "spool disk space", "spool leftovers", "clock skew", "systemd watchdog",
    ];

    [Fact]
    public async Task TheShippedConfigStartsAsInstalledPassesDoctorAndBacksUp()
    {
        using var tlsDir = new TempDir("etcd-agent-sbx-pki");
        var tls = await TlsFiles.CreateAsync(tlsDir.Path);
        await using var sandbox = await InstalledAgent.BootAndInstallAsync(privateNetwork: true);
        foreach (var (from, to) in new[] { (tls.CaCert, "ca.crt"), (tls.ServerCert, "server.crt"), (tls.ServerKey, "server.key"),
                     (tls.ClientCert, "healthcheck-client.crt"), (tls.ClientKey, "healthcheck-client.key") })
        {
            await sandbox.WriteFileAsync($"{Pki}/{to}", await File.ReadAllTextAsync(from));
        }

        // A transient unit of its own name: the host's etcd-server package has an etcd.service, present in the overlay.
        await sandbox.RunCheckedAsync("systemd-run", "--unit=kubeadm-etcd", "--property=Type=notify", "--property=StateDirectory=kubeadm-etcd",
            "/usr/bin/etcd", "--name", "cp1", "--data-dir", "/var/lib/kubeadm-etcd/member",
            "--listen-client-urls", "https://127.0.0.1:2379", "--advertise-client-urls", "https://127.0.0.1:2379",
            "--listen-peer-urls", "http://127.0.0.1:2380", "--initial-advertise-peer-urls", "http://127.0.0.1:2380",
            "--initial-cluster", "cp1=http://127.0.0.1:2380",
            "--cert-file", $"{Pki}/server.crt", "--key-file", $"{Pki}/server.key", "--trusted-ca-file", $"{Pki}/ca.crt", "--client-cert-auth");

        foreach (var dir in Directories)
        {
            Assert.Equal("700 0:0", (await sandbox.RunCheckedAsync("stat", "-c", "%a %u:%g", dir)).Trim());
        }

        var doctor = await InstalledAgent.CliAsync(sandbox, "doctor", "-w", "json");
        var statuses = ParseDoctor(doctor);
        foreach (var name in MustPass)
        {
            Assert.True(statuses.TryGetValue(name, out var status) && status == "pass",
                $"doctor's \"{name}\" is {status ?? "missing"} on a fresh install:\n{doctor.Stdout}{doctor.Stderr}");
        }

        Assert.Equal("warn", statuses["encryption key"]);
        Assert.True(doctor.ExitCode == 0, doctor.Stdout + doctor.Stderr);

        // The service, as installed: started, ready, its metrics and health on the default address, nothing to complain about.
        await sandbox.RunCheckedAsync("systemctl", "start", InstalledAgent.Unit);
        Assert.Equal("active", await sandbox.PropertyAsync(InstalledAgent.Unit, "ActiveState"));
        Assert.Contains("next backup ", await sandbox.PropertyAsync(InstalledAgent.Unit, "StatusText"), StringComparison.Ordinal);
        var health = await sandbox.RunAsync("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:9479/healthz");
        Assert.Equal("200", health.Stdout);
        var metrics = await sandbox.RunCheckedAsync("curl", "-sS", "http://127.0.0.1:9479/metrics");
        Assert.Contains("etcd_agent_build_info{version=", metrics, StringComparison.Ordinal);

        // Continuous capture is on in the shipped config: with no backup yet the service takes one at once (its chain
        // needs a base). Waited for, so the manual backup below does not meet it on the node's backup lock (exit 11).
        var store = sandbox.HostPath("/var/lib/etcd-agent/backups/default");
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!(Directory.Exists(store) && Directory.EnumerateFiles(store, "manifest.json", SearchOption.AllDirectories).Any()) && waited.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(250);
        }

        Assert.True(Directory.EnumerateFiles(store, "manifest.json", SearchOption.AllDirectories).Any(), "the service took no start-up backup for its continuous chain");

        // By hand on the node, beside the running service: a backup into the shipped local store, a tick, a verify.
        var create = await InstalledAgent.CliAsync(sandbox, "backup", "create", "-w", "json");
        Assert.True(create.ExitCode == 0, create.Stderr);
        string id;
        using (var manifest = JsonDocument.Parse(create.Stdout))
        {
            id = manifest.RootElement.GetProperty("id").GetString()!;
        }

        Assert.True(File.Exists(sandbox.HostPath($"/var/lib/etcd-agent/backups/default/{id}/manifest.json")), create.Stdout);
        var verify = await InstalledAgent.CliAsync(sandbox, "backup", "verify", "latest");
        Assert.True(verify.ExitCode == 0, verify.Stderr);
        Assert.Empty(Directory.GetFiles(sandbox.HostPath("/var/lib/etcd-agent/spool"), "*.db"));

        var complaints = (await sandbox.JournalAsync(InstalledAgent.Unit)).Where(e => e.Identifier == "etcd-agent" && e.Priority <= 4).ToList();
        Assert.True(complaints.Count == 0, "the shipped config's service logged:\n" + string.Join('\n', complaints.Select(e => e.Message)));
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

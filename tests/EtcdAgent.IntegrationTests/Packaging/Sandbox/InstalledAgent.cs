using System.Globalization;
using EtcdAgent.IntegrationTests.Fixtures;
using Xunit;

namespace EtcdAgent.IntegrationTests.Packaging.Sandbox;

/// <summary>
/// The tests that boot a systemd sandbox run one at a time (each boots its own): two on two cores beside the rest of
/// the suite would make boot and start-up times, which some of them measure, meaningless.
/// </summary>
[CollectionDefinition(nameof(SystemdSandboxGroup))]
public sealed class SystemdSandboxGroup;

/// <summary>A sandbox with the built .deb installed, and the files a test writes into it for the service.</summary>
internal static class InstalledAgent
{
    public const string Unit = "etcd-agent";
    public const string ConfigPath = "/etc/etcd-agent/config.yaml";

    /// <summary>Boots a sandbox and <c>dpkg -i</c>s <paramref name="deb"/> (default: the built package) in it.</summary>
    public static async Task<SystemdSandbox> BootAndInstallAsync(bool privateNetwork = false, string? deb = null)
    {
        var sandbox = await SystemdSandbox.BootAsync(privateNetwork);
        try
        {
            // man-db's trigger rebuilds the whole manual index after every install: seconds of CPU for nothing here.
            File.Delete(sandbox.HostPath("/var/lib/man-db/auto-update"));
            await InstallAsync(sandbox, deb ?? RepoPaths.Deb);
            return sandbox;
        }
        catch
        {
            await sandbox.DisposeAsync();
            throw;
        }
    }

    public static async Task InstallAsync(SystemdSandbox sandbox, string deb)
    {
        File.Copy(deb, sandbox.HostPath("/tmp/" + Path.GetFileName(deb)), overwrite: true);
        await sandbox.RunCheckedAsync("dpkg", "-i", "/tmp/" + Path.GetFileName(deb));
    }

    /// <summary>
    /// A config for host-side fixtures: etcd and S3 on the shared loopback, the S3 credentials as a 0600 file in
    /// /etc/etcd-agent (the unit hides /root and has its own /tmp), metrics on a free port (the host's loopback is
    /// shared, 9479 may be taken).
    /// </summary>
    public static async Task<int> WriteConfigAsync(SystemdSandbox sandbox, EtcdCluster etcd, S3rverNode s3, string extra = "")
    {
        await sandbox.WriteFileAsync("/etc/etcd-agent/s3-credentials",
            $"[default]\naws_access_key_id = {S3rverNode.AccessKey}\naws_secret_access_key = {S3rverNode.SecretKey}\n");
        var metricsPort = FreePorts.Next();
        await sandbox.WriteFileAsync(ConfigPath, $"""
            cluster: sbx
            etcd:
              endpoints: [{etcd.Endpoints}]
            {s3.StoreYaml(credentialsFile: "/etc/etcd-agent/s3-credentials")}
            metrics:
              address: 127.0.0.1:{metricsPort.ToString(CultureInfo.InvariantCulture)}
            {extra}
            """);
        return metricsPort;
    }

    /// <summary>A drop-in for the unit (systemctl edit), then daemon-reload.</summary>
    public static async Task DropInAsync(SystemdSandbox sandbox, string name, string content)
    {
        await sandbox.WriteFileAsync($"/etc/systemd/system/etcd-agent.service.d/{name}.conf", content, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        await sandbox.RunCheckedAsync("systemctl", "daemon-reload");
    }

    /// <summary>The installed CLI inside, with the installed config (what an operator types on the node).</summary>
    public static Task<ProcessRunner.Result> CliAsync(SystemdSandbox sandbox, params string[] args) =>
        sandbox.RunAsync(["etcd-agent", .. args], TimeSpan.FromMinutes(2));
}

using Xunit;

namespace EtcdAgent.IntegrationTests.Fixtures;

/// <summary>
/// Installing the .deb on this machine for real (dpkg as root): the guard before, the purge after, and the installed
/// binary run without the test machine's own etcd settings. Only tests in <c>HostPackageGroup</c> use it.
/// </summary>
internal static class HostPackage
{
    public const string StateDir = "/var/lib/etcd-agent";

    /// <summary>Refuses to touch a machine where etcd-agent is really installed or has data.</summary>
    public static async Task EnsureNothingInstalledAsync()
    {
        Assert.True(Environment.IsPrivilegedProcess, "dpkg -i needs root: run make test as root (CI does)");
        var status = await ProcessRunner.RunAsync("dpkg-query", ["-W", "-f=${Status}", "etcd-agent"]);
        Assert.False(status.ExitCode == 0 && !status.Stdout.Contains("not-installed", StringComparison.Ordinal),
            $"etcd-agent is installed on this machine ({status.Stdout}); this test installs and purges it: `dpkg -P etcd-agent` first");
        foreach (var path in new[] { "/usr/bin/etcd-agent", "/etc/etcd-agent" })
        {
            Assert.False(Path.Exists(path), $"{path} exists: this test would mix its install with it; move it away first");
        }

        // Other tests that run the CLI without a spoolDir leave empty directories here; files would be someone's data.
        Assert.False(Directory.Exists(StateDir) && Directory.EnumerateFiles(StateDir, "*", SearchOption.AllDirectories).Any(),
            $"{StateDir} holds files: this test's purge would delete them; move them away first");
    }

    /// <summary>Whatever a test did or where it failed: no package, no binary, no unit, none of its leftovers.</summary>
    public static async Task PurgeEverythingAsync()
    {
        await ProcessRunner.RunAsync("dpkg", ["-P", "etcd-agent"], timeout: TimeSpan.FromMinutes(2));
        foreach (var dir in new[] { "/etc/etcd-agent", StateDir })
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    public static Task<ProcessRunner.Result> RunInstalledAsync(params string[] args) => RunInstalledAsync(args, null);

    /// <summary>
    /// The installed binary with this machine's kubeadm PKI, etcdctl settings and systemd environment kept out, plus
    /// <paramref name="environment"/> (the documented overrides a test points at its own etcd with).
    /// </summary>
    public static Task<ProcessRunner.Result> RunInstalledAsync(IEnumerable<string> args, IDictionary<string, string?>? environment)
    {
        var env = new Dictionary<string, string?>
        {
            ["ETCD_AGENT_KUBEADM_PKI_DIR"] = "/nonexistent",
            ["ETCD_AGENT_ENDPOINTS"] = null,
            ["ETCD_AGENT_CONFIG"] = null,
            ["ETCDCTL_ENDPOINTS"] = null,
            ["NOTIFY_SOCKET"] = null,
            ["WATCHDOG_USEC"] = null,
            ["SYSTEMD_UNIT_PATH"] = null,
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            env[key] = value;
        }

        return ProcessRunner.RunAsync("/usr/bin/etcd-agent", args, env, TimeSpan.FromMinutes(2));
    }

    /// <summary>dpkg, waiting while another dpkg or apt (another session's install) holds its lock.</summary>
    public static async Task DpkgAsync(params string[] args)
    {
        for (var attempt = 1; ; attempt++)
        {
            var result = await ProcessRunner.RunAsync("dpkg", args, timeout: TimeSpan.FromMinutes(2));
            if (result.ExitCode == 0)
            {
                return;
            }

            if (attempt >= 30 || !result.Stderr.Contains("lock", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"dpkg {string.Join(' ', args)} exited {result.ExitCode}:\n{result.Stderr}{result.Stdout}");
            }

            await Task.Delay(TimeSpan.FromSeconds(2));
        }
    }
}

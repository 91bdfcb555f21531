using EtcdAgent.IntegrationTests.Fixtures;
using Xunit;
using Xunit.Abstractions;

namespace EtcdAgent.IntegrationTests.Packaging.Sandbox;

/// <summary>
/// Which of the unit's hardening directives a real systemd enforces, measured: hardening-probe.sh runs as the
/// installed unit's ExecStart (only ExecStart/Type swapped by a drop-in) and as a plain root service, and each attempt
/// refused under the unit but allowed in the baseline proves its directive. docs/packaging.md holds the table.
/// </summary>
[Collection(nameof(SystemdSandboxGroup))]
public sealed class HardeningProbeTests(ITestOutputHelper output)
{
    private const string Probe = "/usr/local/lib/etcd-agent-hardening-probe.sh";

    /// <summary>Refused under the unit, allowed without it: enforced, and shown to be.</summary>
    private static readonly string[] Shown =
    [
        "CapabilityBoundingSet=", "NoNewPrivileges=yes", "root-without-CAP_DAC_OVERRIDE", "ProtectSystem=strict", "UMask=0077",
        "ProtectHome=yes", "InaccessiblePaths=/etc/shadow", "InaccessiblePaths=/etc/ssh", "PrivateTmp=yes", "PrivateDevices=yes", "ProtectControlGroups=yes",
        "RestrictAddressFamilies=AF_UNIX-AF_INET-AF_INET6", "RestrictNamespaces=yes", "RestrictSUIDSGID=yes", "LockPersonality=yes", "SystemCallFilter=@system-service",
    ];

    /// <summary>
    /// Refused in the baseline too on this machine, so the directive cannot be told apart here: the sandbox has no
    /// /dev/kmsg and a read-only /proc/sys, the machine no /usr/lib/modules, its cgroup no realtime budget.
    /// </summary>
    private static readonly string[] Indistinguishable = ["ProtectKernelLogs=yes", "ProtectKernelTunables=yes", "ProtectKernelModules=yes", "RestrictRealtime=yes"];

    /// <summary>What the service needs and must keep under the unit.</summary>
    private static readonly string[] Needed = ["User=root", "reads-root-0600-files", "writes-StateDirectory", "allows-AF_INET6", "SystemCallErrorNumber=EPERM"];

    /// <summary>Set, and not effective: root's processes are exempt from hidepid (root:root service).</summary>
    private static readonly string[] NotEnforced = ["ProtectProc=invisible"];

    [Fact]
    public async Task EveryHardeningDirectiveIsEnforcedUnderARealSystemdOrKnownNotToBe()
    {
        await using var sandbox = await InstalledAgent.BootAndInstallAsync();
        await sandbox.WriteFileAsync("/var/tmp/probe-other-user", "another user's secret");
        await sandbox.RunCheckedAsync("chown", "nobody:nogroup", "/var/tmp/probe-other-user");
        await sandbox.WriteFileAsync("/etc/etcd-agent/probe-root-secret", "root's secret");
        await sandbox.WriteFileAsync("/root/probe-home-marker", "home");
        await sandbox.WriteFileAsync("/etc/ssh/probe-marker", "a machine without openssh has no /etc/ssh to hide");
        await sandbox.WriteFileAsync("/tmp/probe-host-tmp-marker", "tmp");
        await sandbox.RunCheckedAsync("mknod", "/dev/probe-block", "b", "7", "0");
        File.Copy(RepoPaths.File("tests", "EtcdAgent.IntegrationTests", "Packaging", "Sandbox", "hardening-probe.sh"), sandbox.HostPath(Probe));
        File.SetUnixFileMode(sandbox.HostPath(Probe), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

        await sandbox.WriteFileAsync("/etc/systemd/system/hardening-baseline.service",
            $"[Service]\nType=oneshot\nExecStart=/bin/bash {Probe}\n", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        await InstalledAgent.DropInAsync(sandbox, "probe", $"[Service]\nType=oneshot\nExecStart=\nExecStart=/bin/bash {Probe}\nWatchdogSec=0\n");
        await sandbox.RunCheckedAsync("systemctl", "start", "hardening-baseline.service");
        await sandbox.RunCheckedAsync("systemctl", "start", InstalledAgent.Unit);

        var baseline = await ResultsAsync(sandbox, "hardening-baseline.service");
        var hardened = await ResultsAsync(sandbox, InstalledAgent.Unit);
        foreach (var (name, value) in hardened.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"{name,-50} unit:{(value ? "refused/holds" : "allowed")}  baseline:{(baseline[name] ? "refused/holds" : "allowed")}");
        }

        Assert.Equal(Shown.Length + Indistinguishable.Length + Needed.Length + NotEnforced.Length, hardened.Count);
        foreach (var name in Shown)
        {
            Assert.True(hardened[name] && !baseline[name], $"{name}: under the unit {(hardened[name] ? "refused" : "ALLOWED")}, without it {(baseline[name] ? "refused too (cannot be told apart)" : "allowed")}");
        }

        // Refused under the unit either way; whether the baseline is refused too depends on the machine (a kernel's
        // modules directory, the cgroup's realtime budget), so only the unit's side is asserted.
        foreach (var name in Indistinguishable)
        {
            Assert.True(hardened[name], $"{name}: allowed under the unit");
        }

        foreach (var name in Needed)
        {
            Assert.True(hardened[name], $"{name} does not hold under the unit: the service needs it");
        }

        foreach (var name in NotEnforced)
        {
            Assert.False(hardened[name], $"{name} is enforced now: update docs/packaging.md and move it to Shown");
        }
    }

    /// <summary>The probe's lines from a unit's journal: name → true when refused (or, for a need, when it holds).</summary>
    private static async Task<Dictionary<string, bool>> ResultsAsync(SystemdSandbox sandbox, string unit)
    {
        var lines = (await sandbox.JournalAsync(unit)).Where(e => e.Identifier == "bash").Select(e => e.Message.Split(' '));
        return lines.Where(parts => parts is [_, "0" or "1"]).ToDictionary(parts => parts[0], parts => parts[1] == "0", StringComparer.Ordinal);
    }
}

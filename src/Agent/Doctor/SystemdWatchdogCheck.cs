using System.Globalization;

namespace EtcdAgent.Doctor;

/// <summary>
/// The daemon runs under systemd with Type=notify and a watchdog: it pings only while its scheduler loop beats, so a
/// hung daemon is restarted instead of silently taking no backups.
/// </summary>
internal sealed class SystemdWatchdogCheck : IDoctorCheck
{
    /// <summary>Shorter than this, a long GC pause or a stalled disk write gets a healthy daemon killed.</summary>
    internal static readonly TimeSpan MinWatchdog = TimeSpan.FromSeconds(10);

    private const string InstallFix =
        "install the etcd-agent .deb, or copy packaging/systemd/etcd-agent.service to /etc/systemd/system/ and run " +
        "systemctl daemon-reload && systemctl enable --now etcd-agent";

    public string Name => "systemd watchdog";

    public Task<CheckResult> RunAsync(DoctorContext context, CancellationToken cancellationToken) =>
        Task.FromResult(Check(context));

    private static CheckResult Check(DoctorContext context)
    {
        // Run by systemd itself (e.g. ExecStartPre=etcd-agent doctor): the environment is the truth.
        if (context.Environment("NOTIFY_SOCKET") is { Length: > 0 })
        {
            return long.TryParse(context.Environment("WATCHDOG_USEC"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var usec) && usec > 0
                ? Judge("this process (NOTIFY_SOCKET set)", "notify", TimeSpan.FromMicroseconds(usec), $"{usec}us")
                : CheckResult.Failed("running under systemd, but WATCHDOG_USEC is not set: no watchdog",
                    "set WatchdogSec=60 in the unit's [Service] section (systemctl edit etcd-agent)");
        }

        var dirs = context.UnitDirs ?? SystemdServiceSettings.SearchDirs(context.Environment);
        if (SystemdServiceSettings.Find(dirs) is not { } unit)
        {
            return CheckResult.Warning(
                $"not running under systemd: no {SystemdServiceSettings.UnitName} in {string.Join(", ", dirs)}; nothing restarts the daemon or notices it hang",
                InstallFix);
        }

        return Judge(unit.UnitFile, unit.Type, unit.WatchdogSec, unit.WatchdogText);
    }

    private static CheckResult Judge(string where, string? type, TimeSpan? watchdog, string? watchdogText)
    {
        if (type != "notify")
        {
            return CheckResult.Failed($"{where}: Type={type ?? "(unset, i.e. simple)"}: systemd ignores the daemon's readiness and watchdog pings",
                "set Type=notify in [Service] (systemctl edit etcd-agent), then systemctl daemon-reload");
        }

        if (watchdog is not { } interval || interval == TimeSpan.Zero)
        {
            return CheckResult.Failed($"{where}: Type=notify but WatchdogSec={watchdogText ?? "(unset)"}: a hung daemon is never restarted",
                "set WatchdogSec=60 in [Service] (systemctl edit etcd-agent), then systemctl daemon-reload");
        }

        if (interval < MinWatchdog)
        {
            return CheckResult.Failed($"{where}: WatchdogSec={watchdogText} is shorter than {MinWatchdog.TotalSeconds:0} s: pauses get a healthy daemon killed",
                "set WatchdogSec=60 in [Service] (at least 10s), then systemctl daemon-reload");
        }

        return CheckResult.Passed($"{where}: Type=notify, WatchdogSec={watchdogText} ({interval.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s)");
    }
}

using System.Globalization;
using Microsoft.Extensions.Hosting.Systemd;

namespace EtcdAgent.Hosting;

/// <summary>
/// The daemon's side of sd_notify, in front of Microsoft.Extensions.Hosting.Systemd's notifier: the library's
/// SystemdLifetime sends READY=1 and STOPPING=1 through it; this adds what the library does not do — the STATUS=
/// line (last result, next backup), sent right after READY and on every change, and WATCHDOG=1 — and keeps the
/// order systemd and operators expect: nothing before READY but the status it carries, nothing after STOPPING.
/// </summary>
internal sealed class DaemonNotifier(ISystemdNotifier inner) : ISystemdNotifier
{
    private readonly Lock _gate = new();
    private bool _ready;
    private bool _stopping;
    private string? _lastResult;
    private DateTimeOffset? _nextBackup;

    public bool IsEnabled => inner.IsEnabled;

    /// <summary>What `systemctl status` shows: "next backup …; last result".</summary>
    public string StatusText
    {
        get
        {
            lock (_gate)
            {
                return Compose();
            }
        }
    }

    public void Notify(ServiceState state)
    {
        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }

            var text = state.ToString();
            inner.Notify(state);
            if (text == ServiceState.Ready.ToString())
            {
                _ready = true;
                inner.Notify(new ServiceState("STATUS=" + Compose()));
            }
            else if (text == ServiceState.Stopping.ToString())
            {
                _stopping = true;
            }
        }
    }

    /// <summary>The last run's result ("last backup ID at T OK", "tick T FAILED: …").</summary>
    public void LastResult(string result) => Update(() => _lastResult = result);

    /// <summary>When the next scheduled backup fires.</summary>
    public void NextBackup(DateTimeOffset? next) => Update(() => _nextBackup = next);

    public void Watchdog()
    {
        lock (_gate)
        {
            if (_ready && !_stopping)
            {
                inner.Notify(new ServiceState("WATCHDOG=1"));
            }
        }
    }

    /// <summary>
    /// Half of WATCHDOG_USEC (how often to ping), or null when no watchdog is configured; WATCHDOG_USEC applies to
    /// this process only when WATCHDOG_PID is unset or names it (systemd's own rule, sd_watchdog_enabled(3)).
    /// </summary>
    public static TimeSpan? WatchdogInterval(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return long.TryParse(environment("WATCHDOG_USEC"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var usec) && usec > 0
            && (environment("WATCHDOG_PID") is not { } pid || pid == Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
            ? TimeSpan.FromTicks(usec * 10 / 2)
            : null;
    }

    private void Update(Action change)
    {
        lock (_gate)
        {
            change();
            if (_ready && !_stopping)
            {
                inner.Notify(new ServiceState("STATUS=" + Compose()));
            }
        }
    }

    private string Compose() =>
        $"next backup {(_nextBackup is { } n ? n.ToString("u", CultureInfo.InvariantCulture) : "none")}; {_lastResult ?? "no backup yet"}".Replace('\n', ' ');
}

using EtcdAgent.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Hosting;

/// <summary>
/// The daemon's notifier in front of the library's: STATUS follows READY, watchdog pings only between READY and
/// STOPPING, nothing after STOPPING. (The real socket is exercised by RunCommandTests against a bound datagram socket.)
/// </summary>
public sealed class DaemonNotifierTests
{
    [Fact]
    public void StatusFollowsReadyAndNothingFollowsStopping()
    {
        var sent = new Recorder();
        var notifier = new DaemonNotifier(sent);
        var next = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

        notifier.Watchdog();                       // before READY: not alive yet in systemd's eyes
        notifier.NextBackup(next);                 // before READY: carried by the first STATUS
        notifier.Notify(ServiceState.Ready);
        notifier.LastResult("last backup b1 at x\nOK");
        notifier.Watchdog();
        notifier.Notify(ServiceState.Stopping);
        notifier.Watchdog();
        notifier.LastResult("late");

        Assert.Equal(
            [
                "READY=1",
                "STATUS=next backup 2026-12-01 12:00:00Z; no backup yet",
                "STATUS=next backup 2026-12-01 12:00:00Z; last backup b1 at x OK",
                "WATCHDOG=1",
                "STOPPING=1",
            ],
            sent.Messages);
    }

    [Fact]
    public void TheWatchdogIntervalIsHalfOfWatchdogUsecAndOnlyForThisProcess()
    {
        var mine = new Dictionary<string, string?> { ["WATCHDOG_USEC"] = "10000000", ["WATCHDOG_PID"] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        var other = new Dictionary<string, string?> { ["WATCHDOG_USEC"] = "1000000", ["WATCHDOG_PID"] = "1" };
        Assert.Equal(TimeSpan.FromSeconds(5), DaemonNotifier.WatchdogInterval(n => mine.GetValueOrDefault(n)));
        Assert.Null(DaemonNotifier.WatchdogInterval(n => other.GetValueOrDefault(n)));
        Assert.Null(DaemonNotifier.WatchdogInterval(_ => null));
        Assert.Null(DaemonNotifier.WatchdogInterval(n => n == "WATCHDOG_USEC" ? "0" : null));
    }

    private sealed class Recorder : ISystemdNotifier
    {
        public List<string> Messages { get; } = [];

        public bool IsEnabled => true;

        public void Notify(ServiceState state) => Messages.Add(state.ToString());
    }
}

using System.Net.Sockets;
using System.Text;
using EtcdAgent.Hosting;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Hosting;

public sealed class SystemdNotifierTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("etcd-agent-notify").FullName;

    [Fact]
    public void MessagesArriveAsDatagramsOnTheNotifySocket()
    {
        var path = Path.Combine(_dir, "notify.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.ReceiveTimeout = 5000;
        var env = new Dictionary<string, string?> { ["NOTIFY_SOCKET"] = path, ["WATCHDOG_USEC"] = "10000000" };
        using var notifier = new SystemdNotifier(n => env.GetValueOrDefault(n));

        notifier.Ready();
        notifier.Status("next backup at 12:00\nlast OK");
        notifier.Watchdog();
        notifier.Stopping();

        Assert.True(notifier.Enabled);
        Assert.Equal(TimeSpan.FromSeconds(5), notifier.WatchdogInterval);
        Assert.Equal(["READY=1", "STATUS=next backup at 12:00 last OK", "WATCHDOG=1", "STOPPING=1"], Enumerable.Range(0, 4).Select(_ => Receive(listener)));
    }

    [Fact]
    public void WithoutNotifySocketNothingIsSentAndNoWatchdogIsAssumed()
    {
        using var notifier = new SystemdNotifier(_ => null);
        notifier.Ready();
        Assert.False(notifier.Enabled);
        Assert.Null(notifier.WatchdogInterval);
    }

    [Fact]
    public void AWatchdogMeantForAnotherProcessIsIgnored()
    {
        var env = new Dictionary<string, string?> { ["NOTIFY_SOCKET"] = "@x", ["WATCHDOG_USEC"] = "1000000", ["WATCHDOG_PID"] = "1" };
        using var notifier = new SystemdNotifier(n => env.GetValueOrDefault(n));
        Assert.Null(notifier.WatchdogInterval);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Receive(Socket socket)
    {
        var buffer = new byte[4096];
        var n = socket.Receive(buffer);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }
}

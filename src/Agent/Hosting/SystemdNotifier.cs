using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace EtcdAgent.Hosting;

/// <summary>
/// sd_notify without libsystemd or Microsoft.Extensions.Hosting.Systemd (not served here): datagrams to the socket
/// in NOTIFY_SOCKET ("@name" is the abstract namespace). Silent when the variable is unset, so `run` works the same
/// outside systemd. Failures to send are swallowed: notification must never take the daemon down.
/// </summary>
internal sealed class SystemdNotifier : IDisposable
{
    private readonly Socket? _socket;
    private readonly UnixDomainSocketEndPoint? _endpoint;

    public SystemdNotifier(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var path = environment("NOTIFY_SOCKET");
        if (string.IsNullOrEmpty(path))
        {
            return;
        }

        _endpoint = new UnixDomainSocketEndPoint(path[0] == '@' ? "\0" + path[1..] : path);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);

        // WATCHDOG_USEC applies to us only if WATCHDOG_PID is unset or ours (systemd's own rule).
        if (long.TryParse(environment("WATCHDOG_USEC"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var usec) && usec > 0
            && (environment("WATCHDOG_PID") is not { } pid || pid == Environment.ProcessId.ToString(CultureInfo.InvariantCulture)))
        {
            WatchdogInterval = TimeSpan.FromTicks(usec * 10 / 2);
        }
    }

    /// <summary>Whether systemd is listening.</summary>
    public bool Enabled => _socket is not null;

    /// <summary>Half of WATCHDOG_USEC (how often to ping), or null when no watchdog is configured.</summary>
    public TimeSpan? WatchdogInterval { get; }

    public void Ready() => Send("READY=1");

    public void Status(string status) => Send("STATUS=" + status.Replace('\n', ' '));

    public void Watchdog() => Send("WATCHDOG=1");

    public void Stopping() => Send("STOPPING=1");

    public void Dispose() => _socket?.Dispose();

    private void Send(string message)
    {
        if (_socket is null)
        {
            return;
        }

        try
        {
            _socket.SendTo(Encoding.UTF8.GetBytes(message), _endpoint!);
        }
        catch (SocketException)
        {
            // systemd went away or the socket is full: the daemon's work matters more than the notification.
        }
    }
}

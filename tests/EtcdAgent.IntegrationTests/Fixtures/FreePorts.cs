using System.Net;
using System.Net.Sockets;

namespace EtcdAgent.IntegrationTests.Fixtures;

/// <summary>Ephemeral loopback ports. A port can be taken between probe and use; callers retry the start.</summary>
public static class FreePorts
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// A free loopback port in 20000–32767, below Linux's ephemeral range (32768–60999): a server that binds late
    /// (Ceph's monitor, radosgw) would otherwise race other servers' and clients' random ports.
    /// </summary>
    public static int NextBelowEphemeral()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(20000, 32768);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try another.
            }
        }

        throw new InvalidOperationException("no free loopback port in 20000-32767");
    }
}

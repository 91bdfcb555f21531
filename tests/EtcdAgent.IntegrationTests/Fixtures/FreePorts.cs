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
}

using System.Globalization;

namespace EtcdAgent.Output;

/// <summary>Member and cluster ids print in lower-case hex without padding, as etcd and etcdctl print them.</summary>
internal static class Hex
{
    public static string Id(ulong id) => id.ToString("x", CultureInfo.InvariantCulture);
}

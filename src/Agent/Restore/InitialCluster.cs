using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using EtcdAgent.Configuration;

namespace EtcdAgent.Restore;

/// <summary>
/// etcd's --initial-cluster (<c>name=peerURL,name=peerURL,...</c>; a name may repeat for several URLs), and the
/// member and cluster ids etcd derives from it and the cluster token. Knowing the ids a restore will produce lets
/// the start gate tell a freshly restored peer (same cluster id) from an old member still running (another one).
/// </summary>
internal sealed class InitialCluster
{
    private InitialCluster(IReadOnlyDictionary<string, IReadOnlyList<string>> members) => Members = members;

    /// <summary>Member name to its peer URLs, in the order given.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Members { get; }

    public static InitialCluster Parse(string text, string source)
    {
        var members = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var part in (text ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == part.Length - 1)
            {
                throw new ConfigurationException($"{source}: '{part}' is not NAME=PEER_URL (expected e.g. m1=https://10.0.0.1:2380,m2=https://10.0.0.2:2380)");
            }

            var url = part[(equals + 1)..];
            if (!Uri.TryCreate(url, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
            {
                throw new ConfigurationException($"{source}: '{url}' is not an http(s) peer URL");
            }

            var name = part[..equals];
            if (!members.TryGetValue(name, out var urls))
            {
                members[name] = urls = [];
            }

            urls.Add(url);
        }

        return members.Count == 0
            ? throw new ConfigurationException($"{source}: the initial cluster is empty")
            : new InitialCluster(members.ToDictionary(m => m.Key, m => (IReadOnlyList<string>)m.Value, StringComparer.Ordinal));
    }

    public static InitialCluster From(IEnumerable<(string Name, IEnumerable<string> PeerUrls)> members) =>
        Parse(string.Join(',', members.SelectMany(m => m.PeerUrls.Select(u => $"{m.Name}={u}"))), "members");

    public override string ToString() => string.Join(',', Members.SelectMany(m => m.Value.Select(u => $"{m.Key}={u}")));

    /// <summary>etcd's member id: the first 8 bytes of sha1(sorted peer URLs, then the token), big-endian.</summary>
    public static ulong MemberId(IEnumerable<string> peerUrls, string token)
    {
        var sorted = peerUrls.OrderBy(u => u, StringComparer.Ordinal);
        var bytes = Encoding.UTF8.GetBytes(string.Concat(sorted) + token);
        return BinaryPrimitives.ReadUInt64BigEndian(EtcdSha1(bytes));
    }

    /// <summary>etcd's cluster id: sha1 over the sorted member ids, each 8 bytes big-endian.</summary>
    public ulong ClusterId(string token)
    {
        var ids = Members.Values.Select(urls => MemberId(urls, token)).Order().ToList();
        var bytes = new byte[8 * ids.Count];
        for (var i = 0; i < ids.Count; i++)
        {
            BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(8 * i), ids[i]);
        }

        return BinaryPrimitives.ReadUInt64BigEndian(EtcdSha1(bytes));
    }

    // Not security: sha1 is how etcd derives ids, and matching etcd's ids is the whole point.
#pragma warning disable CA5350
    private static byte[] EtcdSha1(byte[] bytes) => SHA1.HashData(bytes);
#pragma warning restore CA5350
}

using EtcdAgent.Protocol.Etcd;

namespace EtcdAgent.Etcd;

/// <summary>--cluster: every member's client URLs, found through the member list (as etcdctl --cluster does).</summary>
internal static class ClusterEndpoints
{
    public static async Task<EtcdConnectionSettings> DiscoverAsync(EtcdClient client, EtcdConnectionSettings settings,
        CancellationToken cancellationToken)
    {
        var members = await client.MemberListAsync(cancellationToken).ConfigureAwait(false);
        var urls = members.Members
            .SelectMany(m => m.ClientURLs)
            .Select(u => new Uri(u))
            .Distinct()
            .ToList();
        return urls.Count == 0
            ? throw new InvalidOperationException("the member list names no client URLs (members not started yet?)")
            : settings with { Endpoints = urls, Source = "the cluster's member list (--cluster)" };
    }
}

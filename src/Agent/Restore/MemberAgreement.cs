using EtcdAgent.Manifests;
using EtcdAgent.Restore.Topology;

namespace EtcdAgent.Restore;

/// <summary>
/// Whether the member a topology detected is the one the operator's configuration and the backup name. A node can
/// carry an etcd unit nobody uses (Debian's etcd-server package: name = host name, data dir /var/lib/etcd/default,
/// localhost URLs) beside the real member; restoring into that one would "succeed" and change nothing that matters.
/// Each disagreement is one sentence naming both sides.
/// </summary>
internal static class MemberAgreement
{
    /// <param name="member">The detected member.</param>
    /// <param name="backupMembers">The backup's member list (null for a bare snapshot file: nothing to compare).</param>
    /// <param name="endpoints">The client URLs the operator configured (--endpoints, environment or config file), or empty.</param>
    /// <param name="endpointsSource">Where <paramref name="endpoints"/> came from, for the message.</param>
    /// <param name="answeringLocal">Those of <paramref name="endpoints"/> on this node that answer right now.</param>
    public static IReadOnlyList<string> Disagreements(MemberConfig member, IReadOnlyList<MemberInfo>? backupMembers,
        IReadOnlyList<Uri> endpoints, string endpointsSource, IReadOnlyList<Uri> answeringLocal)
    {
        ArgumentNullException.ThrowIfNull(member);
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(answeringLocal);
        var problems = new List<string>();
        var peerUrls = string.Join(',', member.PeerUrls.Select(MemberConfig.Format));
        if (backupMembers is { Count: > 0 })
        {
            var same = backupMembers.FirstOrDefault(m => m.Name == member.Name);
            if (same is null)
            {
                problems.Add($"its name is '{member.Name}', but the backup's members are " +
                             string.Join(", ", backupMembers.Select(m => $"{m.Name} ({string.Join(',', m.PeerUrls)})")));
            }
            else if (!Normalized(same.PeerUrls).SequenceEqual(Normalized(member.PeerUrls.Select(MemberConfig.Format))))
            {
                problems.Add($"its peer URLs are {peerUrls}, but the backup's {same.Name} had {string.Join(',', same.PeerUrls)}");
            }
        }

        if (endpoints.Count > 0 && !endpoints.Any(e => Serves(member, e)))
        {
            problems.Add($"it serves clients at {string.Join(',', member.ListenClientUrls.Concat(member.ClientUrls).Select(MemberConfig.Format).Distinct())}, " +
                         $"but {endpointsSource} names {string.Join(',', endpoints.Select(MemberConfig.Format))}");
        }

        if (!Directory.Exists(Path.Combine(member.DataDir, "member")) && answeringLocal.Count > 0)
        {
            problems.Add($"its data dir {member.DataDir} holds no member/, yet an etcd answers at {string.Join(',', answeringLocal.Select(MemberConfig.Format))} " +
                         $"({endpointsSource}) on this node: that etcd keeps its data somewhere else");
        }

        return problems;
    }

    /// <summary>True when <paramref name="endpoint"/> reaches this member: same port, and the same host or a wildcard or loopback listener.</summary>
    public static bool Serves(MemberConfig member, Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(member);
        ArgumentNullException.ThrowIfNull(endpoint);
        return member.ClientUrls.Concat(member.ListenClientUrls).Any(url => url.Port == endpoint.Port
            && (string.Equals(url.IdnHost, endpoint.IdnHost, StringComparison.OrdinalIgnoreCase)
                || url.Host is "0.0.0.0" or "[::]" or "::"
                || (IsLoopback(url) && IsLoopback(endpoint))));
    }

    /// <summary>The endpoints on this node (loopback or one of its addresses) that accept connections now.</summary>
    public static async Task<IReadOnlyList<Uri>> AnsweringLocalAsync(IReadOnlyList<Uri> endpoints, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var own = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .ToHashSet();
        var answering = new List<Uri>();
        foreach (var endpoint in endpoints)
        {
            var local = IsLoopback(endpoint) || (System.Net.IPAddress.TryParse(endpoint.IdnHost, out var address) && own.Contains(address));
            if (local && await PortProbe.IsOpenAsync(endpoint, cancellationToken).ConfigureAwait(false))
            {
                answering.Add(endpoint);
            }
        }

        return answering;
    }

    public static bool IsLoopback(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.IsLoopback || string.Equals(url.Host, "localhost", StringComparison.OrdinalIgnoreCase);
    }

    private static List<string> Normalized(IEnumerable<string> urls) =>
        urls.Select(u => u.TrimEnd('/').ToLowerInvariant()).Order(StringComparer.Ordinal).ToList();
}

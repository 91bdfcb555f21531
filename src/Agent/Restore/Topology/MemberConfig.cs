using System.Text.Json.Serialization;
using EtcdAgent.Configuration;

namespace EtcdAgent.Restore.Topology;

/// <summary>
/// What a restore must know about the local member, whichever topology described it: its name and directories,
/// the URLs it advertises and listens on (for the port gate and the health check), the initial cluster its
/// configuration names, and the TLS files it uses (to reach it, and its peers, afterwards).
/// </summary>
internal sealed record MemberConfig
{
    public required string Name { get; init; }

    public required string DataDir { get; init; }

    /// <summary>A WAL directory outside the data dir (etcd's --wal-dir), or null when the WAL lives in member/wal.</summary>
    public string? WalDir { get; init; }

    public required IReadOnlyList<Uri> PeerUrls { get; init; }

    public required IReadOnlyList<Uri> ListenPeerUrls { get; init; }

    public required IReadOnlyList<Uri> ListenClientUrls { get; init; }

    public required IReadOnlyList<Uri> ClientUrls { get; init; }

    /// <summary>The --initial-cluster the member's own configuration names, if any.</summary>
    public string? InitialCluster { get; init; }

    public string? TrustedCaFile { get; init; }

    public string? PeerCertFile { get; init; }

    public string? PeerKeyFile { get; init; }

    public string? PeerTrustedCaFile { get; init; }

    /// <summary>Where this description came from, for the plan ("/etc/kubernetes/manifests/etcd.yaml").</summary>
    public required string Source { get; init; }

    /// <summary>A loopback URL the restored member will answer clients on (0.0.0.0 listeners become 127.0.0.1).</summary>
    [JsonIgnore]
    public Uri LocalClientUrl =>
        ListenClientUrls.Select(Reachable).FirstOrDefault(u => u.IsLoopback)
        ?? ListenClientUrls.Select(Reachable).FirstOrDefault()
        ?? ClientUrls[0];

    /// <summary>Every port the old member may still hold: the gate waits until none answers.</summary>
    [JsonIgnore]
    public IReadOnlyList<Uri> PortsToGate => ListenClientUrls.Concat(ListenPeerUrls).Select(Reachable).Distinct().ToList();

    /// <summary>Builds the member from etcd's settings (flags over environment), with etcd's own defaults.</summary>
    public static MemberConfig FromFlags(EtcdFlags flags, string source)
    {
        ArgumentNullException.ThrowIfNull(flags);
        var name = flags["name"] ?? "default";
        var dataDir = flags["data-dir"];
        if (dataDir is null || !Path.IsPathFullyQualified(dataDir))
        {
            throw new ConfigurationException(
                $"{source}: the data dir is {(dataDir is null ? "not set (etcd would use ./" + name + ".etcd, relative to wherever it was started)" : "relative (" + dataDir + ")")}: that is ambiguous, so restore will not guess. Pass --data-dir ABSOLUTE_PATH.");
        }

        var walDir = flags["wal-dir"];
        if (walDir is not null && !Path.IsPathFullyQualified(walDir))
        {
            throw new ConfigurationException($"{source}: the WAL dir {walDir} is relative: pass --wal-dir ABSOLUTE_PATH.");
        }

        var listenClient = Urls(flags["listen-client-urls"] ?? "http://localhost:2379", "listen-client-urls", source);
        var listenPeer = Urls(flags["listen-peer-urls"] ?? "http://localhost:2380", "listen-peer-urls", source);
        return new MemberConfig
        {
            Name = name,
            DataDir = Path.TrimEndingDirectorySeparator(dataDir),
            WalDir = walDir is null ? null : Path.TrimEndingDirectorySeparator(walDir),
            PeerUrls = Urls(flags["initial-advertise-peer-urls"] ?? "http://localhost:2380", "initial-advertise-peer-urls", source),
            ListenPeerUrls = listenPeer,
            ListenClientUrls = listenClient,
            ClientUrls = Urls(flags["advertise-client-urls"] ?? "http://localhost:2379", "advertise-client-urls", source),
            InitialCluster = flags["initial-cluster"],
            TrustedCaFile = flags["trusted-ca-file"],
            PeerCertFile = flags["peer-cert-file"],
            PeerKeyFile = flags["peer-key-file"],
            PeerTrustedCaFile = flags["peer-trusted-ca-file"],
            Source = source,
        };
    }

    public static IReadOnlyList<Uri> Urls(string text, string what, string source)
    {
        var urls = new List<Uri>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(part, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https" or "unix" or "unixs"))
            {
                throw new ConfigurationException($"{source}: {what} has '{part}', which is not an http(s) URL");
            }

            urls.Add(url);
        }

        return urls.Count > 0 ? urls : throw new ConfigurationException($"{source}: {what} is empty");
    }

    /// <summary>The peer URLs exactly as etcd joins them into a member id (no trailing slash).</summary>
    public static string Format(Uri url) => url.GetLeftPart(UriPartial.Authority);

    private static Uri Reachable(Uri url) =>
        url.Host is "0.0.0.0" or "[::]" or "::" ? new UriBuilder(url) { Host = "127.0.0.1" }.Uri : url;
}

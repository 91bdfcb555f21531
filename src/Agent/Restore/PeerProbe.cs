using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using EtcdAgent.Restore.Topology;

namespace EtcdAgent.Restore;

/// <summary>
/// Asks whatever answers on a peer URL which cluster it belongs to: etcd's peer handlers put the cluster id in the
/// X-Etcd-Cluster-ID header of every response (GET /members). A member restored with this restore's token reports
/// the id <see cref="InitialCluster.ClusterId"/> computes; an old member reports its old one.
/// </summary>
internal static class PeerProbe
{
    /// <summary>The cluster id (hex), or null when nothing answers; throws when something answers but not like etcd.</summary>
    public static async Task<string?> ClusterIdAsync(Uri peerUrl, MemberConfig local, CancellationToken cancellationToken)
    {
        if (!await PortProbe.IsOpenAsync(peerUrl, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        using var handler = new HttpClientHandler
        {
            // Only a header is read and nothing secret is sent, so the peer's identity does not matter here; what
            // matters is whether an old member still runs. The peer certificate is presented because etcd peers
            // usually require client certificates.
            ServerCertificateCustomValidationCallback = static (_, _, _, _) => true,
        };
        if (peerUrl.Scheme == "https" && local.PeerCertFile is { } cert && local.PeerKeyFile is { } key && File.Exists(cert) && File.Exists(key))
        {
            handler.ClientCertificates.Add(X509Certificate2.CreateFromPemFile(cert, key));
        }

        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(3) };
        using var response = await http.GetAsync(new Uri(peerUrl, "/members"), cancellationToken).ConfigureAwait(false);
        return response.Headers.TryGetValues("X-Etcd-Cluster-ID", out var values)
            ? values.First().ToLower(CultureInfo.InvariantCulture)
            : throw new HttpRequestException($"{peerUrl} answers ({(int)response.StatusCode}) but not like an etcd peer");
    }
}

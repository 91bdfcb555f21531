namespace EtcdAgent.Etcd;

/// <summary>
/// On a kubeadm control-plane node etcd listens on https://127.0.0.1:2379 and trusts client certificates signed
/// by /etc/kubernetes/pki/etcd/ca.crt. When the operator names no endpoint, use that layout so
/// `etcd-agent endpoint status` just works on such a node.
/// </summary>
internal static class KubeadmDetection
{
    public const string DefaultPkiDir = "/etc/kubernetes/pki/etcd";
    public static readonly Uri Endpoint = new("https://127.0.0.1:2379");

    /// <summary>The detected files, or null when this is not a kubeadm node.</summary>
    public static (string CaFile, string? CertFile, string? KeyFile)? Detect(string pkiDir)
    {
        var ca = Path.Combine(pkiDir, "ca.crt");
        if (!File.Exists(ca))
        {
            return null;
        }

        // healthcheck-client is etcd's own read-mostly client; apiserver-etcd-client (one level up) has the
        // rights the API server has. Either is accepted by etcd; prefer the narrower one.
        (string Cert, string Key)[] candidates =
        [
            (Path.Combine(pkiDir, "healthcheck-client.crt"), Path.Combine(pkiDir, "healthcheck-client.key")),
            (Path.Combine(pkiDir, "..", "apiserver-etcd-client.crt"), Path.Combine(pkiDir, "..", "apiserver-etcd-client.key")),
        ];
        foreach (var (cert, key) in candidates)
        {
            if (File.Exists(cert) && File.Exists(key))
            {
                return (ca, Path.GetFullPath(cert), Path.GetFullPath(key));
            }
        }

        return (ca, null, null);
    }
}

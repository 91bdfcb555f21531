using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace EtcdAgent.Protocol.Connection;

/// <summary>
/// Validates etcd's server certificate against a custom CA only (as etcdctl's --cacert does), and remembers why
/// it last refused one: the TLS stack reports only "rejected by the callback", which no operator can act on.
/// </summary>
internal sealed class ServerCertificateValidator(X509Certificate2Collection? customRoots)
{
    private volatile string? _lastFailure;

    public string? LastFailure => _lastFailure;

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            _lastFailure = "the server sent no certificate";
            return false;
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            _lastFailure = $"the server certificate ({certificate.Subject}) is not valid for the host name used " +
                           "in the endpoint; use an endpoint address listed in its subject alternative names";
            return false;
        }

        if (customRoots is null)
        {
            if (errors == SslPolicyErrors.None)
            {
                return true;
            }

            _lastFailure = $"the server certificate ({certificate.Subject}) is not trusted by the system store " +
                           $"({DescribeChain(chain)}); pass --cacert with the CA that signed it";
            return false;
        }

        using var customChain = new X509Chain();
        customChain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        customChain.ChainPolicy.CustomTrustStore.AddRange(customRoots);

        // Private etcd CAs publish no revocation lists; etcdctl does not check them either.
        customChain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;

        // The custom CA is the whole trust: never stall a handshake fetching intermediates from the network.
        customChain.ChainPolicy.DisableCertificateDownloads = true;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                customChain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        using var leaf = new X509Certificate2(certificate);
        if (customChain.Build(leaf))
        {
            _lastFailure = null;
            return true;
        }

        _lastFailure = $"the server certificate ({certificate.Subject}, issued by {certificate.Issuer}) does not " +
                       $"chain to the CA in --cacert ({DescribeChain(customChain)})";
        return false;
    }

    private static string DescribeChain(X509Chain? chain) =>
        chain is null || chain.ChainStatus.Length == 0
            ? "no chain details"
            : string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Distinct());
}

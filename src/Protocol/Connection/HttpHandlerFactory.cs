using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EtcdAgent.Protocol.Connection;

/// <summary>Builds the <see cref="SocketsHttpHandler"/> every member channel of a client shares (Grpc.Net.Client sends over it).</summary>
public static class HttpHandlerFactory
{
    /// <summary>
    /// etcd's --grpc-keepalive-min-time is 5 s and pings without an active stream are refused (GOAWAY
    /// too_many_pings), so ping at most every 10 s and only while requests are active (etcd-wire.md §1).
    /// </summary>
    public static readonly TimeSpan MinKeepAlivePingDelay = TimeSpan.FromSeconds(10);

    /// <summary>Creates the handler and the validator whose last failure explains TLS errors.</summary>
    /// <exception cref="InvalidOperationException">A PEM file cannot be read or parsed (message says which).</exception>
    /// <param name="dialTimeout">TCP + TLS connect budget.</param>
    /// <param name="keepAlivePingDelay">HTTP/2 ping interval while calls are active (at least 10 s).</param>
    /// <param name="keepAlivePingTimeout">How long a ping may go unanswered.</param>
    /// <param name="streamWindowBytes">
    /// HTTP/2 receive window per stream: how much etcd may send ahead of what we have consumed. The runtime's
    /// dynamic window sizing is switched off by the agent (it grew buffers to 16 MiB), so this fixed size decides
    /// streaming speed: 64 KiB made a 1 GB snapshot 40% slower than etcdctl; from 1 MiB on, etcd is the limit.
    /// </param>
    /// <param name="tls">TLS files, or null for h2c.</param>
    public static (SocketsHttpHandler Handler, Func<string?> TlsFailure) Create(TimeSpan dialTimeout,
        TimeSpan keepAlivePingDelay, TimeSpan keepAlivePingTimeout, int streamWindowBytes, TlsSettings? tls)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = dialTimeout,
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = keepAlivePingDelay < MinKeepAlivePingDelay ? MinKeepAlivePingDelay : keepAlivePingDelay,
            KeepAlivePingTimeout = keepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            InitialHttp2StreamWindowSize = streamWindowBytes,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
        };

        if (tls is null)
        {
            return (handler, () => null);
        }

        var roots = tls.CaFile is null ? null : LoadCa(tls.CaFile);
        var validator = new ServerCertificateValidator(roots);
        handler.SslOptions.RemoteCertificateValidationCallback = validator.Validate;
        handler.SslOptions.EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
        if (tls.CertFile is not null || tls.KeyFile is not null)
        {
            if (tls.CertFile is null || tls.KeyFile is null)
            {
                throw new InvalidOperationException("--cert and --key must be given together (a client certificate needs its key)");
            }

            handler.SslOptions.ClientCertificates = [LoadClientCertificate(tls.CertFile, tls.KeyFile)];
        }

        return (handler, () => validator.LastFailure);
    }

    private static X509Certificate2Collection LoadCa(string path)
    {
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new InvalidOperationException($"cannot read CA bundle {path}: {ex.Message}", ex);
        }

        return roots.Count == 0
            ? throw new InvalidOperationException($"CA bundle {path} holds no PEM certificate")
            : roots;
    }

    private static X509Certificate2 LoadClientCertificate(string certFile, string keyFile)
    {
        try
        {
            return X509Certificate2.CreateFromPemFile(certFile, keyFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new InvalidOperationException(
                $"cannot load client certificate {certFile} with key {keyFile}: {ex.Message}", ex);
        }
    }
}

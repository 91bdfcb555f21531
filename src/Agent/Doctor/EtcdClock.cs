using System.Net;
using EtcdAgent.Etcd;
using EtcdAgent.Protocol.Connection;

namespace EtcdAgent.Doctor;

/// <summary>
/// etcd's clock as its HTTP handler reports it: GET /version on the client URL (same TLS files as the gRPC client)
/// and the Date header Go's net/http sets on every response. Second resolution, which is all a skew check needs.
/// </summary>
internal static class EtcdClock
{
    /// <summary>The server's Date and the local time halfway through the request, or null when etcd sent no Date.</summary>
    public static async Task<(DateTimeOffset Server, DateTimeOffset Local)?> ReadAsync(EtcdConnectionSettings settings, Uri endpoint,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var tls = settings.CaFile is null && settings.CertFile is null && settings.KeyFile is null
            ? null
            : new TlsSettings(settings.CaFile, settings.CertFile, settings.KeyFile);
        var (handler, _) = HttpHandlerFactory.Create(settings.DialTimeout, HttpHandlerFactory.MinKeepAlivePingDelay,
            TimeSpan.FromSeconds(10), 64 << 10, tls);
        using var http = new HttpClient(handler, disposeHandler: true) { Timeout = settings.CommandTimeout };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(endpoint, "/version"))
        {
            // etcd multiplexes HTTP/1.1 and gRPC on the client port; plain HTTP/1.1 works over h2c and TLS alike.
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        var before = time.GetUtcNow();
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        var after = time.GetUtcNow();
        if (response.Headers.Date is not { } date)
        {
            return null;
        }

        // Date is truncated to the second: its middle is the best estimate of the server's time.
        return (date.AddMilliseconds(500), before + ((after - before) / 2));
    }
}

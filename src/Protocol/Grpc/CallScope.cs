using System.Security.Authentication;

namespace EtcdAgent.Protocol.Grpc;

/// <summary>
/// One call's cancellation (caller token + deadline) and the translation of transport exceptions into
/// <see cref="RpcException"/>s that say what failed and where. Caller cancellation stays an
/// <see cref="OperationCanceledException"/>, as everywhere in .NET.
/// </summary>
internal sealed class CallScope : IDisposable
{
    private readonly CancellationToken _callerToken;
    private readonly CancellationTokenSource? _deadline;
    private readonly CancellationTokenSource _linked;
    private readonly TimeSpan? _timeout;
    private readonly Func<string?> _tlsFailure;

    public CallScope(Uri endpoint, string path, TimeSpan? timeout, TimeProvider timeProvider,
        Func<string?> tlsFailure, CancellationToken callerToken)
    {
        Endpoint = endpoint;
        Where = endpoint.GetLeftPart(UriPartial.Authority);
        Path = path;
        _timeout = timeout;
        _tlsFailure = tlsFailure;
        _callerToken = callerToken;
        if (timeout is { } t)
        {
            _deadline = new CancellationTokenSource(t, timeProvider);
            _linked = CancellationTokenSource.CreateLinkedTokenSource(callerToken, _deadline.Token);
        }
        else
        {
            _linked = CancellationTokenSource.CreateLinkedTokenSource(callerToken);
        }
    }

    public Uri Endpoint { get; }

    /// <summary>The endpoint as people write it (no trailing slash), for messages.</summary>
    public string Where { get; }

    public string Path { get; }

    public CancellationToken Token => _linked.Token;

    public void Cancel() => _linked.Cancel();

    public RpcException Fail(GrpcStatusCode code, string message) =>
        new(code, message) { Endpoint = Endpoint };

    /// <summary>
    /// Turns whatever the HTTP stack threw into the exception the caller should see.
    /// <paramref name="responseStarted"/>: response headers had arrived, so the request was certainly sent.
    /// </summary>
    public Exception Translate(Exception ex, bool responseStarted)
    {
        switch (ex)
        {
            case RpcException:
                return ex;
            case OperationCanceledException when _callerToken.IsCancellationRequested:
                return new OperationCanceledException($"{Path} on {Where} was cancelled", ex, _callerToken);
            case OperationCanceledException when _deadline?.IsCancellationRequested == true:
                return new RpcException(GrpcStatusCode.DeadlineExceeded,
                    $"{Path} on {Where} did not finish within {_timeout?.TotalSeconds:0.###}s", ex)
                { Endpoint = Endpoint };
            case OperationCanceledException { InnerException: TimeoutException } when !responseStarted:
                // Neither our token nor the deadline fired, and a TimeoutException inside is how
                // SocketsHttpHandler.ConnectTimeout (the dial timeout) surfaces: nothing was sent.
                return new RpcException(GrpcStatusCode.Unavailable,
                    $"cannot connect to {Where}: no answer within the dial timeout", ex)
                { Endpoint = Endpoint, RequestNotSent = true };
            case OperationCanceledException:
                // Some other cancellation inside the HTTP stack: the request may have left, so no resend.
                return new RpcException(GrpcStatusCode.Unavailable,
                    $"{Path} on {Where} was aborted by the transport: {ex.Message}", ex)
                { Endpoint = Endpoint };
            case HttpProtocolException protocol:
                return FromHttp2Error(protocol);
            case HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } or AuthenticationException:
                return new RpcException(GrpcStatusCode.Unavailable, DescribeTls(ex), ex)
                { Endpoint = Endpoint, RequestNotSent = !responseStarted };
            case HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError }
                when !responseStarted:
                return new RpcException(GrpcStatusCode.Unavailable,
                    $"cannot connect to {Where}: {Innermost(ex).Message}", ex)
                { Endpoint = Endpoint, RequestNotSent = true };
            case HttpRequestException { HttpRequestError: HttpRequestError.VersionNegotiationError }:
                return new RpcException(GrpcStatusCode.Unavailable,
                    $"{Where} does not speak HTTP/2 (gRPC needs it); is it an etcd client URL, and http vs https right?", ex)
                { Endpoint = Endpoint, RequestNotSent = true };
            case HttpRequestException when !responseStarted && Endpoint.Scheme == "https" && EndedAfterTlsHandshake(ex):
                // TLS 1.3 servers refuse a missing or untrusted client certificate after the handshake, by closing
                // the connection: .NET then reports only an unfinished HTTP/2 handshake.
                return new RpcException(GrpcStatusCode.Unavailable,
                    $"TLS connection to {Where} was closed by the server right after the handshake: it most likely " +
                    "requires a client certificate it trusts. Pass --cert/--key (kubeadm: " +
                    "/etc/kubernetes/pki/etcd/healthcheck-client.crt and .key).", ex)
                { Endpoint = Endpoint, RequestNotSent = true };
            case HttpRequestException { InnerException: HttpProtocolException inner }:
                return FromHttp2Error(inner);
            case HttpRequestException or IOException:
                return new RpcException(GrpcStatusCode.Unavailable,
                    $"connection to {Where} failed during {Path}: {Innermost(ex).Message}", ex)
                { Endpoint = Endpoint };
            default:
                return new RpcException(GrpcStatusCode.Internal,
                    $"{Path} on {Where} failed: {ex.Message}", ex)
                { Endpoint = Endpoint };
        }
    }

    private RpcException FromHttp2Error(HttpProtocolException ex)
    {
        var code = GrpcStatusMapping.FromHttp2ErrorCode(ex.ErrorCode);
        var name = GrpcStatusMapping.DescribeHttp2ErrorCode(ex.ErrorCode);
        return new RpcException(code, $"{Where} reset {Path} with HTTP/2 {name}", ex)
        {
            Endpoint = Endpoint,

            // REFUSED_STREAM guarantees the server did no processing (RFC 9113 §8.7).
            RequestNotSent = code == GrpcStatusCode.Unavailable,
        };
    }

    private string DescribeTls(Exception ex)
    {
        var reason = _tlsFailure() ?? Innermost(ex).Message;
        return $"TLS handshake with {Where} failed: {reason}. Check --cacert (the CA that signed etcd's " +
               "server certificate) and --cert/--key (a client certificate etcd trusts).";
    }

    private static bool EndedAfterTlsHandshake(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is IOException && e.Message.Contains("HTTP/2 handshake", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null)
        {
            ex = ex.InnerException;
        }

        return ex;
    }

    public void Dispose()
    {
        _linked.Dispose();
        _deadline?.Dispose();
    }
}

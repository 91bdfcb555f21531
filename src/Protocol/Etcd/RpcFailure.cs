using System.Security.Authentication;
using Grpc.Core;

namespace EtcdAgent.Protocol.Etcd;

/// <summary>
/// Turns what Grpc.Net.Client throws into an <see cref="EtcdRpcException"/> that says what failed, where, in words
/// an operator can act on, and whether the request certainly never left this process. The library reports a
/// refused connection, a TLS failure and a dropped connection all as UNAVAILABLE "Error starting gRPC call"; only the
/// transport exception it keeps (<see cref="Status.DebugException"/>) tells them apart, and only that difference
/// decides whether a Put may go to another member. Caller cancellation stays an
/// <see cref="OperationCanceledException"/>, as everywhere in .NET.
/// </summary>
internal sealed class RpcFailure(Uri endpoint, string method, TimeSpan? timeout, Func<string?> tlsFailure)
{
    /// <summary>HTTP/2 REFUSED_STREAM (RFC 9113 §8.7): the server guarantees it did no processing.</summary>
    private const long RefusedStream = 0x7;

    /// <summary>The endpoint as people write it (no trailing slash), for messages.</summary>
    private string Where { get; } = endpoint.GetLeftPart(UriPartial.Authority);

    /// <summary>Whether <paramref name="ex"/> is something a call can fail with (and <see cref="Translate"/> handles).</summary>
    public static bool IsCallFailure(Exception ex) =>
        ex is RpcException or OperationCanceledException or HttpRequestException or IOException;

    /// <summary>Reads the next message of a stream; a failure comes out translated.</summary>
    public async Task<bool> MoveNextAsync<T>(IAsyncStreamReader<T> stream, CancellationToken cancellationToken)
    {
        try
        {
            return await stream.MoveNext(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsCallFailure(ex))
        {
            throw Translate(ex, cancellationToken);
        }
    }

    /// <summary>The exception the caller should see for <paramref name="ex"/>.</summary>
    public Exception Translate(Exception ex, CancellationToken callerToken)
    {
        switch (ex)
        {
            case EtcdRpcException:
                return ex;
            case OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled } when callerToken.IsCancellationRequested:
                return new OperationCanceledException($"{method} on {Where} was cancelled", ex, callerToken);
            case RpcException { StatusCode: StatusCode.DeadlineExceeded }:
                return Fail(StatusCode.DeadlineExceeded,
                    $"{method} on {Where} did not finish within {timeout?.TotalSeconds:0.###}s", ex);
            case RpcException { Status.DebugException: { } cause }:
                return FromTransport(cause, ((RpcException)ex).StatusCode);
            case RpcException rpc:
                // etcd's own answer: its code and message unchanged (EtcdErrors classifies by both).
                return new EtcdRpcException(rpc.StatusCode, rpc.Status.Detail, ex) { Endpoint = endpoint };
            default:
                return FromTransport(ex, StatusCode.Unavailable);
        }
    }

    private EtcdRpcException FromTransport(Exception cause, StatusCode code)
    {
        switch (cause)
        {
            case OperationCanceledException when Has<TimeoutException>(cause):
                // Neither the caller nor the deadline cancelled: SocketsHttpHandler.ConnectTimeout (the dial
                // timeout) surfaces as a cancellation with a TimeoutException inside. Nothing was sent.
                return Fail(StatusCode.Unavailable, $"cannot connect to {Where}: no answer within the dial timeout",
                    cause, notSent: true);
            case OperationCanceledException:
                // Some other cancellation inside the HTTP stack: the request may have left, so no resend.
                return Fail(StatusCode.Unavailable, $"{method} on {Where} was aborted by the transport: {cause.Message}", cause);
            case HttpProtocolException protocol:
                return FromHttp2Reset(protocol, code);
            case HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } or AuthenticationException:
                return Fail(StatusCode.Unavailable, DescribeTls(cause), cause, notSent: true);
            case HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError }:
                // Raised while establishing the connection only: the request had nowhere to go yet.
                return Fail(StatusCode.Unavailable, $"cannot connect to {Where}: {Innermost(cause).Message}", cause, notSent: true);
            case HttpRequestException { HttpRequestError: HttpRequestError.VersionNegotiationError }:
                return Fail(StatusCode.Unavailable,
                    $"{Where} does not speak HTTP/2 (gRPC needs it); is it an etcd client URL, and http vs https right?",
                    cause, notSent: true);
            case HttpRequestException when endpoint.Scheme == "https" && EndedAfterTlsHandshake(cause):
                // TLS 1.3 servers refuse a missing or untrusted client certificate after the handshake, by closing
                // the connection: .NET then reports only an unfinished HTTP/2 handshake.
                return Fail(StatusCode.Unavailable,
                    $"TLS connection to {Where} was closed by the server right after the handshake: it most likely " +
                    "requires a client certificate it trusts. Pass --cert/--key (kubeadm: " +
                    "/etc/kubernetes/pki/etcd/healthcheck-client.crt and .key).", cause, notSent: true);
            case HttpRequestException { InnerException: HttpProtocolException inner }:
                return FromHttp2Reset(inner, code);
            case HttpRequestException or IOException:
                return Fail(StatusCode.Unavailable,
                    $"connection to {Where} failed during {method}: {Innermost(cause).Message}", cause);
            default:
                return Fail(code == StatusCode.OK ? StatusCode.Internal : code, $"{method} on {Where} failed: {cause.Message}", cause);
        }
    }

    private EtcdRpcException FromHttp2Reset(HttpProtocolException ex, StatusCode code) =>
        Fail(ex.ErrorCode == RefusedStream ? StatusCode.Unavailable : code,
            $"{Where} reset {method} with HTTP/2 error 0x{ex.ErrorCode:x}", ex, notSent: ex.ErrorCode == RefusedStream);

    private EtcdRpcException Fail(StatusCode code, string message, Exception inner, bool notSent = false) =>
        new(code, message, inner) { Endpoint = endpoint, RequestNotSent = notSent };

    private string DescribeTls(Exception ex)
    {
        var reason = tlsFailure() ?? Innermost(ex).Message;
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

    private static bool Has<T>(Exception ex)
        where T : Exception
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is T)
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
}

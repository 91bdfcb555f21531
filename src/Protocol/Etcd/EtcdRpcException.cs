using Grpc.Core;

namespace EtcdAgent.Protocol.Etcd;

/// <summary>
/// A failed etcd call, as the facade reports it: gRPC's status (the library's <see cref="RpcException"/>) plus what
/// the agent needs to act on it safely: which member, whether the request certainly never left this process (only
/// then may a non-idempotent call go to another member), and a message an operator can act on.
/// </summary>
public sealed class EtcdRpcException : RpcException
{
    /// <summary>Creates the exception.</summary>
    public EtcdRpcException(StatusCode statusCode, string detail, Exception? innerException = null)
        : base(new Status(statusCode, detail, innerException), FormatMessage(statusCode, detail))
    {
    }

    /// <summary>Creates an Unknown-status exception; required by the exception pattern.</summary>
    public EtcdRpcException()
        : this(StatusCode.Unknown, string.Empty)
    {
    }

    /// <summary>Creates an Unknown-status exception; required by the exception pattern.</summary>
    public EtcdRpcException(string message)
        : this(StatusCode.Unknown, message)
    {
    }

    /// <summary>Creates an Unknown-status exception; required by the exception pattern.</summary>
    public EtcdRpcException(string message, Exception innerException)
        : this(StatusCode.Unknown, message, innerException)
    {
    }

    /// <summary>etcd's grpc-message, or the client's own description of the failure.</summary>
    public string Detail => Status.Detail;

    /// <summary>
    /// True when the request certainly never reached the server (connection refused, name resolution or TLS
    /// handshake failed, dial timeout, HTTP/2 REFUSED_STREAM). Only then may a non-idempotent call be sent elsewhere.
    /// </summary>
    public bool RequestNotSent { get; init; }

    /// <summary>The member the call went to, when known.</summary>
    public Uri? Endpoint { get; init; }

    private static string FormatMessage(StatusCode code, string detail) =>
        detail.Length == 0 ? $"gRPC status {code} ({(int)code})" : $"{detail} (gRPC status {code})";
}

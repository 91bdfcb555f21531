namespace EtcdAgent.Protocol.Grpc;

/// <summary>A gRPC call that ended with a status other than OK, or failed before it got one.</summary>
public sealed class RpcException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RpcException(GrpcStatusCode statusCode, string detail, Exception? innerException = null)
        : base(FormatMessage(statusCode, detail), innerException)
    {
        StatusCode = statusCode;
        Detail = detail;
    }

    /// <summary>Creates an Unknown-status exception; required by the exception pattern.</summary>
    public RpcException()
        : this(GrpcStatusCode.Unknown, string.Empty)
    {
    }

    /// <summary>Creates an Unknown-status exception; required by the exception pattern.</summary>
    public RpcException(string message)
        : this(GrpcStatusCode.Unknown, message)
    {
    }

    /// <summary>Creates an Unknown-status exception; required by the exception pattern.</summary>
    public RpcException(string message, Exception innerException)
        : this(GrpcStatusCode.Unknown, message, innerException)
    {
    }

    /// <summary>The gRPC status code.</summary>
    public GrpcStatusCode StatusCode { get; }

    /// <summary>The server's grpc-message (decoded) or the client's own description of the failure.</summary>
    public string Detail { get; }

    /// <summary>
    /// True when the request certainly never reached the server (connection refused, name resolution or TLS
    /// handshake failed, connect timeout). Only then may a non-idempotent call be sent to another endpoint.
    /// </summary>
    public bool RequestNotSent { get; init; }

    /// <summary>The endpoint the call went to, when known.</summary>
    public Uri? Endpoint { get; init; }

    private static string FormatMessage(GrpcStatusCode code, string detail) =>
        detail.Length == 0 ? $"gRPC status {code} ({(int)code})" : $"{detail} (gRPC status {code})";
}

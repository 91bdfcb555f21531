using System.Net;

namespace EtcdAgent.Protocol.Grpc;

/// <summary>
/// Maps HTTP-level outcomes to gRPC codes when the server gave no grpc-status, following
/// grpc/grpc doc/http-grpc-status-mapping.md and grpc-dotnet's GrpcProtocolHelpers.
/// </summary>
internal static class GrpcStatusMapping
{
    /// <summary>HTTP/2 error codes (RFC 9113 §7) that gRPC maps specially.</summary>
    private const long RefusedStream = 0x7;
    private const long Cancel = 0x8;
    private const long EnhanceYourCalm = 0xb;
    private const long InadequateSecurity = 0xc;

    public static GrpcStatusCode FromHttpStatus(HttpStatusCode status) => status switch
    {
        HttpStatusCode.BadRequest => GrpcStatusCode.Internal,
        HttpStatusCode.Unauthorized => GrpcStatusCode.Unauthenticated,
        HttpStatusCode.Forbidden => GrpcStatusCode.PermissionDenied,
        HttpStatusCode.NotFound => GrpcStatusCode.Unimplemented,
        HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable
            or HttpStatusCode.GatewayTimeout => GrpcStatusCode.Unavailable,
        _ => GrpcStatusCode.Unknown,
    };

    /// <summary>RST_STREAM / GOAWAY error code to gRPC code (grpc doc/PROTOCOL-HTTP2.md "Errors").</summary>
    public static GrpcStatusCode FromHttp2ErrorCode(long errorCode) => errorCode switch
    {
        RefusedStream => GrpcStatusCode.Unavailable,
        Cancel => GrpcStatusCode.Cancelled,
        EnhanceYourCalm => GrpcStatusCode.ResourceExhausted,
        InadequateSecurity => GrpcStatusCode.PermissionDenied,
        _ => GrpcStatusCode.Internal,
    };

    public static string DescribeHttp2ErrorCode(long errorCode) => errorCode switch
    {
        0x0 => "NO_ERROR",
        0x1 => "PROTOCOL_ERROR",
        0x2 => "INTERNAL_ERROR",
        0x3 => "FLOW_CONTROL_ERROR",
        0x4 => "SETTINGS_TIMEOUT",
        0x5 => "STREAM_CLOSED",
        0x6 => "FRAME_SIZE_ERROR",
        RefusedStream => "REFUSED_STREAM",
        Cancel => "CANCEL",
        0x9 => "COMPRESSION_ERROR",
        0xa => "CONNECT_ERROR",
        EnhanceYourCalm => "ENHANCE_YOUR_CALM",
        InadequateSecurity => "INADEQUATE_SECURITY",
        0xd => "HTTP_1_1_REQUIRED",
        _ => $"0x{errorCode:x}",
    };
}

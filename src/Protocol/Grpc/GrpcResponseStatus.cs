using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace EtcdAgent.Protocol.Grpc;

/// <summary>
/// Reads a call's status from the response, in grpc-dotnet's order (GrpcCall.ValidateHeaders): grpc-status in
/// the headers (a trailers-only response) wins; then HTTP version, HTTP status and content-type; at the end of
/// the body, grpc-status from the trailers, else the headers.
/// </summary>
internal static class GrpcResponseStatus
{
    private const string StatusHeader = "grpc-status";
    private const string MessageHeader = "grpc-message";

    /// <summary>The status the headers alone already decide, or null when the body should be read.</summary>
    public static (GrpcStatusCode Code, string Message)? FromHeaders(HttpResponseMessage response)
    {
        if (TryRead(response.Headers, out var headerStatus))
        {
            return headerStatus;
        }

        if (response.Version < HttpVersion.Version20)
        {
            return (GrpcStatusCode.Internal,
                $"server answered with HTTP/{response.Version}; gRPC needs HTTP/2 (is this an etcd client URL?)");
        }

        if (response.StatusCode != HttpStatusCode.OK)
        {
            return (GrpcStatusMapping.FromHttpStatus(response.StatusCode),
                $"server answered HTTP {(int)response.StatusCode} {response.ReasonPhrase} without a gRPC status");
        }

        var contentType = response.Content.Headers.ContentType?.MediaType;
        if (contentType is null || !contentType.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase))
        {
            return (GrpcStatusCode.Cancelled,
                $"response content-type '{contentType ?? "(none)"}' is not application/grpc");
        }

        return null;
    }

    /// <summary>The final status, read after the body has been consumed to its end.</summary>
    public static (GrpcStatusCode Code, string Message) FromTrailers(HttpResponseMessage response)
    {
        if (TryRead(response.TrailingHeaders, out var status) || TryRead(response.Headers, out status))
        {
            return status;
        }

        return (GrpcStatusCode.Unknown, "response ended without a grpc-status");
    }

    private static bool TryRead(HttpHeaders headers, out (GrpcStatusCode Code, string Message) status)
    {
        status = default;
        if (!headers.TryGetValues(StatusHeader, out var values))
        {
            return false;
        }

        var raw = values.FirstOrDefault();
        var message = headers.TryGetValues(MessageHeader, out var messages)
            ? GrpcMessageText.Decode(messages.FirstOrDefault())
            : string.Empty;
        status = int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var code)
            ? ((GrpcStatusCode)code, message)
            : (GrpcStatusCode.Unknown, $"unparseable grpc-status '{raw}'; {message}");
        return true;
    }
}

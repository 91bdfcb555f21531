using Google.Protobuf;

namespace EtcdAgent.Protocol.Grpc;

/// <summary>The response half of a call: header validation, then messages, then the status.</summary>
internal sealed class GrpcResponseReader<TResponse> : IDisposable
    where TResponse : class, IMessage<TResponse>
{
    private readonly CallScope _scope;
    private readonly HttpResponseMessage _response;
    private readonly GrpcMessageReader _reader;
    private readonly MessageParser<TResponse> _parser;
    private bool _ended;

    private GrpcResponseReader(CallScope scope, HttpResponseMessage response, Stream body,
        MessageParser<TResponse> parser, int maxMessageBytes)
    {
        _scope = scope;
        _response = response;
        _parser = parser;
        _reader = new GrpcMessageReader(body, maxMessageBytes);
    }

    public static async Task<GrpcResponseReader<TResponse>> OpenAsync(CallScope scope,
        Task<HttpResponseMessage> sendTask, MessageParser<TResponse> parser, int maxMessageBytes)
    {
        HttpResponseMessage response;
        try
        {
            response = await sendTask.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw scope.Translate(ex, responseStarted: false);
        }

        try
        {
            var status = GrpcResponseStatus.FromHeaders(response);
            if (status is { Code: not GrpcStatusCode.OK } failed)
            {
                throw scope.Fail(failed.Code, failed.Message);
            }

            var body = await response.Content.ReadAsStreamAsync(scope.Token).ConfigureAwait(false);

            // A trailers-only OK (grpc-go's answer for a stream with no messages) is a clean, empty end.
            return new GrpcResponseReader<TResponse>(scope, response, body, parser, maxMessageBytes) { _ended = status is not null };
        }
        catch (Exception ex)
        {
            response.Dispose();
            throw scope.Translate(ex, responseStarted: true);
        }
    }

    /// <summary>The next message, or null when the server ended the stream with OK.</summary>
    public async ValueTask<TResponse?> ReadAsync()
    {
        var bytes = await ReadRawAsync().ConfigureAwait(false);
        return bytes is null ? null : Decode(_parser, bytes.Value, _scope.Endpoint);
    }

    /// <summary>Parses one message; a malformed one is INTERNAL, as in every gRPC client.</summary>
    public static TResponse Decode(MessageParser<TResponse> parser, ReadOnlyMemory<byte> bytes, Uri endpoint)
    {
        try
        {
            return parser.ParseFrom(bytes.Span);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new RpcException(GrpcStatusCode.Internal,
                $"cannot decode {typeof(TResponse).Name} from {endpoint.GetLeftPart(UriPartial.Authority)}: {ex.Message}", ex)
            { Endpoint = endpoint };
        }
    }

    /// <summary>
    /// The next message's undecoded bytes, valid until the next read, or null when the server ended with OK.
    /// </summary>
    public async ValueTask<ReadOnlyMemory<byte>?> ReadRawAsync()
    {
        if (_ended)
        {
            return null;
        }

        ReadOnlyMemory<byte>? bytes;
        try
        {
            bytes = await _reader.ReadAsync(_scope.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw _scope.Translate(ex, responseStarted: true);
        }

        if (bytes is null)
        {
            var (code, message) = GrpcResponseStatus.FromTrailers(_response);
            return code == GrpcStatusCode.OK ? null : throw _scope.Fail(code, message);
        }

        return bytes;
    }

    public void Dispose()
    {
        _reader.Dispose();
        _response.Dispose();
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using Google.Protobuf;

namespace EtcdAgent.Protocol.Grpc;

/// <summary>
/// gRPC over HTTP/2 to one endpoint, without Grpc.Net.Client (its dependencies are not obtainable here; see
/// docs/decisions.md). Unary, server-streaming and bidirectional calls over a shared <see cref="HttpMessageHandler"/>.
/// </summary>
public sealed class GrpcChannel : IDisposable
{
    private static readonly MediaTypeHeaderValue GrpcContentType = new("application/grpc");
    private readonly HttpMessageInvoker _invoker;
    private readonly TimeProvider _timeProvider;
    private readonly int _maxReceiveMessageBytes;
    private readonly Func<string?> _tlsFailure;

    /// <summary>Creates a channel to <paramref name="address"/> (scheme http = h2c, https = TLS with ALPN h2).</summary>
    /// <param name="address">Base address, e.g. http://127.0.0.1:2379.</param>
    /// <param name="handler">The HTTP handler; not disposed by the channel so several channels can share it.</param>
    /// <param name="maxReceiveMessageBytes">Largest response message accepted.</param>
    /// <param name="timeProvider">Clock for deadlines.</param>
    /// <param name="tlsFailure">Explains the last rejected server certificate, for clearer TLS errors.</param>
    public GrpcChannel(Uri address, HttpMessageHandler handler, int maxReceiveMessageBytes,
        TimeProvider timeProvider, Func<string?>? tlsFailure = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        Address = address;
        _invoker = new HttpMessageInvoker(handler, disposeHandler: false);
        _maxReceiveMessageBytes = maxReceiveMessageBytes;
        _timeProvider = timeProvider;
        _tlsFailure = tlsFailure ?? (() => null);
    }

    /// <summary>The endpoint.</summary>
    public Uri Address { get; }

    /// <summary>One request, one response.</summary>
    public async Task<TResponse> UnaryAsync<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method,
        TRequest request, CallOptions options, CancellationToken cancellationToken)
        where TRequest : IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(options);
        using var scope = NewScope(method.Path, options, cancellationToken);
        using var httpRequest = CreateRequest(method.Path, options, new ByteArrayContent(GrpcFraming.Frame(request)));
        using var reader = await SendAsync(scope, httpRequest, method).ConfigureAwait(false);
        var response = await reader.ReadAsync().ConfigureAwait(false)
            ?? throw scope.Fail(GrpcStatusCode.Internal, $"{method.Path} ended with OK but sent no response message");
        if (await reader.ReadAsync().ConfigureAwait(false) is not null)
        {
            throw scope.Fail(GrpcStatusCode.Internal, $"{method.Path} is unary but the server sent a second message");
        }

        return response;
    }

    /// <summary>
    /// One request, a stream of responses. Enumeration ends when the server ends with OK and throws
    /// <see cref="RpcException"/> otherwise; leaving the loop early resets the stream.
    /// </summary>
    public async IAsyncEnumerable<TResponse> ServerStreamingAsync<TRequest, TResponse>(
        GrpcMethod<TRequest, TResponse> method, TRequest request, CallOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
        where TRequest : IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(method);
        await foreach (var bytes in ServerStreamingRawAsync(method, request, options, cancellationToken).ConfigureAwait(false))
        {
            yield return GrpcResponseReader<TResponse>.Decode(method.ResponseParser, bytes, Address);
        }
    }

    /// <summary>
    /// Like <see cref="ServerStreamingAsync{TRequest,TResponse}"/> but yields each message's undecoded bytes in a
    /// reused buffer, valid only until the next iteration: for streams too long to allocate per message
    /// (snapshots), decoded by the caller without copying.
    /// </summary>
    public async IAsyncEnumerable<ReadOnlyMemory<byte>> ServerStreamingRawAsync<TRequest, TResponse>(
        GrpcMethod<TRequest, TResponse> method, TRequest request, CallOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
        where TRequest : IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(options);
        using var scope = NewScope(method.Path, options, cancellationToken);
        using var httpRequest = CreateRequest(method.Path, options, new ByteArrayContent(GrpcFraming.Frame(request)));
        using var reader = await SendAsync(scope, httpRequest, method).ConfigureAwait(false);
        while (await reader.ReadRawAsync().ConfigureAwait(false) is { } message)
        {
            yield return message;
        }
    }

    /// <summary>Starts a bidirectional call. The request headers go out at once; write before you read.</summary>
    public DuplexStreamingCall<TRequest, TResponse> StartDuplex<TRequest, TResponse>(
        GrpcMethod<TRequest, TResponse> method, CallOptions options, CancellationToken cancellationToken)
        where TRequest : IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(options);
        var scope = NewScope(method.Path, options, cancellationToken);
        var content = new DuplexRequestContent();
        var httpRequest = CreateRequest(method.Path, options, content);

        // Deliberately not awaited here: SendAsync completes only when response headers arrive, and etcd sends
        // none until it has our first message (etcd-wire.md §1).
        var sendTask = _invoker.SendAsync(httpRequest, scope.Token);
        return new DuplexStreamingCall<TRequest, TResponse>(scope, sendTask, content, method.ResponseParser,
            _maxReceiveMessageBytes);
    }

    private Task<GrpcResponseReader<TResponse>> SendAsync<TRequest, TResponse>(CallScope scope,
        HttpRequestMessage httpRequest, GrpcMethod<TRequest, TResponse> method)
        where TRequest : IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        GrpcResponseReader<TResponse>.OpenAsync(scope, _invoker.SendAsync(httpRequest, scope.Token),
            method.ResponseParser, _maxReceiveMessageBytes);

    private CallScope NewScope(string path, CallOptions options, CancellationToken cancellationToken) =>
        new(Address, path, options.Timeout, _timeProvider, _tlsFailure, cancellationToken);

    private HttpRequestMessage CreateRequest(string path, CallOptions options, HttpContent content)
    {
        content.Headers.ContentType = GrpcContentType;
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Address, path))
        {
            Version = HttpVersion.Version20,

            // Exact: with TLS a failed ALPN must fail loudly rather than fall back to HTTP/1.1.
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        request.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        if (options.Timeout is { } timeout)
        {
            request.Headers.TryAddWithoutValidation("grpc-timeout", GrpcTimeoutHeader.Format(timeout));
        }

        foreach (var (name, value) in options.Metadata)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    /// <inheritdoc />
    public void Dispose() => _invoker.Dispose();
}

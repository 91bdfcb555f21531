using System.Collections.Concurrent;
using EtcdAgent.Protocol.Grpc;
using Etcdserverpb;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EtcdAgent.Protocol.Etcd;

/// <summary>
/// An etcd v3 client over the project's own gRPC transport. Unary calls fail over between endpoints without
/// ever resending a non-idempotent call that may have reached a server; per-member calls (Status, Snapshot,
/// Defragment, HashKV) go to exactly the endpoint named. With credentials, a token is obtained per endpoint
/// (etcd's simple tokens are valid only on the member that issued them) and renewed once on an invalid-token error.
/// </summary>
public sealed partial class EtcdClient : IDisposable
{
    private const string TokenMetadata = "token";
    private readonly EtcdClientOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly SocketsHttpHandler _handler;
    private readonly GrpcChannel[] _channels;
    private readonly ConcurrentDictionary<Uri, string> _tokens = new();
    private readonly SemaphoreSlim _authLock = new(1, 1);
    private int _preferred;

    /// <summary>Creates the client; nothing is sent until the first call.</summary>
    /// <exception cref="ArgumentException">No endpoints, or an endpoint that is not http(s)://host:port.</exception>
    /// <exception cref="InvalidOperationException">A TLS file cannot be loaded.</exception>
    public EtcdClient(EtcdClientOptions options, TimeProvider? timeProvider = null, ILogger<EtcdClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Endpoints.Count == 0)
        {
            throw new ArgumentException("at least one endpoint is required", nameof(options));
        }

        foreach (var endpoint in options.Endpoints)
        {
            if (!endpoint.IsAbsoluteUri || endpoint.Scheme is not ("http" or "https") || endpoint.AbsolutePath != "/")
            {
                throw new ArgumentException(
                    $"endpoint '{endpoint}' must look like http://host:port or https://host:port", nameof(options));
            }
        }

        _options = options;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        var needsTls = options.Endpoints.Any(e => e.Scheme == "https");
        (_handler, var tlsFailure) = GrpcHandlerFactory.Create(options.DialTimeout, options.KeepAlivePingDelay,
            options.KeepAlivePingTimeout, options.Http2StreamWindowBytes, needsTls ? options.Tls ?? new TlsSettings(null, null, null) : null);
        _channels = options.Endpoints
            .Select(e => new GrpcChannel(e, _handler, options.MaxReceiveMessageBytes, _timeProvider, tlsFailure))
            .ToArray();
    }

    /// <summary>The configured endpoints, in failover order.</summary>
    public IReadOnlyList<Uri> Endpoints => _options.Endpoints;

    private bool HasCredentials => _options.Username is not null;

    /// <summary>
    /// Runs a unary call, failing over to the next endpoint when that is safe: always when the request
    /// certainly never left this process, and for idempotent calls also when the member is unavailable.
    /// </summary>
    internal async Task<TResponse> CallAsync<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method,
        TRequest request, CancellationToken cancellationToken)
        where TRequest : IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        var start = Volatile.Read(ref _preferred);
        var failures = new List<RpcException>();
        for (var attempt = 0; attempt < _channels.Length; attempt++)
        {
            var index = (start + attempt) % _channels.Length;
            var channel = _channels[index];
            try
            {
                var response = await CallOnChannelAsync(channel, method, request, cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _preferred, index);
                return response;
            }
            catch (RpcException ex) when (CanFailOver(ex, method.Idempotent))
            {
                if (attempt + 1 < _channels.Length)
                {
                    Log.FailingOver(_logger, method.Path, channel.Address, ex.StatusCode, ex.Detail);
                }

                failures.Add(ex);
            }
        }

        if (failures.Count == 1)
        {
            throw failures[0];
        }

        // Every endpoint failed: say what each one said, so the operator sees the whole picture at once.
        throw new RpcException(failures[^1].StatusCode,
            $"no endpoint could serve {method.Path}: " + string.Join("; ", failures.Select(f => f.Detail)))
        {
            RequestNotSent = failures.TrueForAll(f => f.RequestNotSent),
        };
    }

    /// <summary>Runs a unary call on exactly one endpoint (per-member calls such as Status).</summary>
    internal Task<TResponse> CallOnEndpointAsync<TRequest, TResponse>(Uri endpoint,
        GrpcMethod<TRequest, TResponse> method, TRequest request, CancellationToken cancellationToken)
        where TRequest : IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        CallOnChannelAsync(ChannelFor(endpoint), method, request, cancellationToken);

    internal static bool CanFailOver(RpcException ex, bool idempotent) =>
        ex.RequestNotSent || (idempotent && ex.StatusCode is GrpcStatusCode.Unavailable or GrpcStatusCode.DeadlineExceeded);

    private async Task<TResponse> CallOnChannelAsync<TRequest, TResponse>(GrpcChannel channel,
        GrpcMethod<TRequest, TResponse> method, TRequest request, CancellationToken cancellationToken)
        where TRequest : IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        var options = await CallOptionsForAsync(channel, _options.CommandTimeout, cancellationToken).ConfigureAwait(false);
        try
        {
            return await channel.UnaryAsync(method, request, options, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (HasCredentials && EtcdErrors.IsInvalidToken(ex))
        {
            // The server rejected the token before doing anything, so a retry cannot apply the call twice.
            Log.Reauthenticating(_logger, channel.Address, ex.Detail);
            ForgetToken(channel.Address, options);
            options = await CallOptionsForAsync(channel, _options.CommandTimeout, cancellationToken).ConfigureAwait(false);
            return await channel.UnaryAsync(method, request, options, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Call options with the deadline and, when auth is configured, this endpoint's token.</summary>
    internal async Task<CallOptions> CallOptionsForAsync(GrpcChannel channel, TimeSpan? timeout,
        CancellationToken cancellationToken)
    {
        var token = HasCredentials ? await GetTokenAsync(channel, cancellationToken).ConfigureAwait(false) : null;
        return new CallOptions
        {
            Timeout = timeout,
            Metadata = token is null ? [] : [new(TokenMetadata, token)],
        };
    }

    private async Task<string?> GetTokenAsync(GrpcChannel channel, CancellationToken cancellationToken)
    {
        if (_tokens.TryGetValue(channel.Address, out var token))
        {
            return token.Length == 0 ? null : token;
        }

        await _authLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_tokens.TryGetValue(channel.Address, out token))
            {
                return token.Length == 0 ? null : token;
            }

            var request = new AuthenticateRequest { Name = _options.Username, Password = _options.Password ?? string.Empty };
            try
            {
                var response = await channel.UnaryAsync(EtcdMethods.Authenticate, request,
                    new CallOptions { Timeout = _options.CommandTimeout }, cancellationToken).ConfigureAwait(false);
                token = response.Token;
            }
            catch (RpcException ex) when (EtcdErrors.IsAuthNotEnabled(ex))
            {
                // Credentials for a cluster without auth: carry on without a token, as etcdctl does.
                Log.AuthNotEnabled(_logger, channel.Address);
                token = string.Empty;
            }

            _tokens[channel.Address] = token;
            return token.Length == 0 ? null : token;
        }
        finally
        {
            _authLock.Release();
        }
    }

    /// <summary>Drops the token a failed call used, but not a fresher one another call obtained meanwhile.</summary>
    internal void ForgetToken(Uri endpoint, CallOptions used)
    {
        var token = used.Metadata.FirstOrDefault(m => m.Key == TokenMetadata).Value;
        if (token is not null)
        {
            _tokens.TryRemove(new KeyValuePair<Uri, string>(endpoint, token));
        }
    }

    internal GrpcChannel ChannelFor(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return _channels.FirstOrDefault(c => c.Address == endpoint)
               ?? throw new ArgumentException($"{endpoint} is not one of this client's endpoints", nameof(endpoint));
    }

    internal GrpcChannel ChannelAt(int index) => _channels[((index % _channels.Length) + _channels.Length) % _channels.Length];

    internal int PreferredIndex => Volatile.Read(ref _preferred);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        _handler.Dispose();
        _authLock.Dispose();
    }
}

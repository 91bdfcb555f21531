using System.Collections.Concurrent;
using EtcdAgent.Protocol.Connection;
using Etcdserverpb;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EtcdAgent.Protocol.Etcd;

/// <summary>
/// The agent's one seam to etcd: dotnet-etcd over Grpc.Net.Client, one channel per member. Unary calls fail over
/// between members without ever resending a non-idempotent call that may have reached a server; per-member calls
/// (Status, Snapshot, Defragment, HashKV) go to exactly the member named. With credentials, a token is obtained per
/// member (etcd's simple tokens are valid only on the member that issued them) and renewed once on an
/// invalid-token error. Every failure surfaces as an <see cref="EtcdRpcException"/>.
/// </summary>
public sealed partial class EtcdClient : IDisposable
{
    private const string TokenMetadata = "token";
    private readonly EtcdClientOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly SocketsHttpHandler _handler;
    private readonly Func<string?> _tlsFailure;
    private readonly MemberChannel[] _members;
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
        (_handler, _tlsFailure) = HttpHandlerFactory.Create(options.DialTimeout, options.KeepAlivePingDelay,
            options.KeepAlivePingTimeout, options.Http2StreamWindowBytes, needsTls ? options.Tls ?? new TlsSettings(null, null, null) : null);
        _members = options.Endpoints.Select(e => new MemberChannel(e, _handler, options.MaxReceiveMessageBytes)).ToArray();
    }

    /// <summary>The configured endpoints, in failover order.</summary>
    public IReadOnlyList<Uri> Endpoints => _options.Endpoints;

    private bool HasCredentials => _options.Username is not null;

    /// <summary>One etcd RPC on one member: dotnet-etcd's call with our headers, deadline and cancellation.</summary>
    internal delegate Task<TResponse> Rpc<TResponse>(dotnet_etcd.EtcdClient etcd, Metadata headers, DateTime? deadline,
        CancellationToken cancellationToken);

    /// <summary>
    /// Runs a unary call, failing over to the next member when that is safe: always when the request certainly
    /// never left this process, and for idempotent calls also when the member is unavailable.
    /// </summary>
    internal async Task<TResponse> CallAsync<TResponse>(string method, bool idempotent, Rpc<TResponse> rpc,
        CancellationToken cancellationToken)
    {
        var start = Volatile.Read(ref _preferred);
        var failures = new List<EtcdRpcException>();
        for (var attempt = 0; attempt < _members.Length; attempt++)
        {
            var index = (start + attempt) % _members.Length;
            var member = _members[index];
            try
            {
                var response = await CallOnMemberAsync(member, method, rpc, cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _preferred, index);
                return response;
            }
            catch (EtcdRpcException ex) when (CanFailOver(ex, idempotent))
            {
                if (attempt + 1 < _members.Length)
                {
                    Log.FailingOver(_logger, method, member.Address, ex.StatusCode, ex.Detail);
                }

                failures.Add(ex);
            }
        }

        if (failures.Count == 1)
        {
            throw failures[0];
        }

        // Every member failed: say what each one said, so the operator sees the whole picture at once.
        throw new EtcdRpcException(failures[^1].StatusCode,
            $"no endpoint could serve {method}: " + string.Join("; ", failures.Select(f => f.Detail)))
        {
            RequestNotSent = failures.TrueForAll(f => f.RequestNotSent),
        };
    }

    /// <summary>Runs a unary call on exactly one member (per-member calls such as Status).</summary>
    internal Task<TResponse> CallOnEndpointAsync<TResponse>(Uri endpoint, string method, Rpc<TResponse> rpc,
        CancellationToken cancellationToken) =>
        CallOnMemberAsync(MemberFor(endpoint), method, rpc, cancellationToken);

    internal static bool CanFailOver(EtcdRpcException ex, bool idempotent) =>
        ex.RequestNotSent || (idempotent && ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded);

    private async Task<TResponse> CallOnMemberAsync<TResponse>(MemberChannel member, string method, Rpc<TResponse> rpc,
        CancellationToken cancellationToken)
    {
        var headers = await HeadersForAsync(member, cancellationToken).ConfigureAwait(false);
        try
        {
            return await InvokeAsync(member, method, rpc, headers, cancellationToken).ConfigureAwait(false);
        }
        catch (EtcdRpcException ex) when (HasCredentials && EtcdErrors.IsInvalidToken(ex))
        {
            // The server rejected the token before doing anything, so a retry cannot apply the call twice.
            Log.Reauthenticating(_logger, member.Address, ex.Detail);
            ForgetToken(member.Address, headers);
            headers = await HeadersForAsync(member, cancellationToken).ConfigureAwait(false);
            return await InvokeAsync(member, method, rpc, headers, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One attempt with the command timeout as its deadline; library failures translated.</summary>
    private async Task<TResponse> InvokeAsync<TResponse>(MemberChannel member, string method, Rpc<TResponse> rpc,
        Metadata headers, CancellationToken cancellationToken)
    {
        var timeout = _options.CommandTimeout;
        try
        {
            return await rpc(member.Etcd, headers, DeadlineAfter(timeout), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (RpcFailure.IsCallFailure(ex))
        {
            throw Failure(member, method, timeout).Translate(ex, cancellationToken);
        }
    }

    /// <summary>
    /// A gRPC deadline <paramref name="timeout"/> from now. Grpc.Net.Client measures deadlines against the system
    /// clock, so the deadline is computed with that clock, not with the agent's <see cref="TimeProvider"/>: a
    /// shifted or fake clock (doctor's skew tests, FakeTimeProvider) would otherwise expire every call at once.
    /// </summary>
    internal static DateTime DeadlineAfter(TimeSpan timeout) => TimeProvider.System.GetUtcNow().UtcDateTime + timeout;

    internal RpcFailure Failure(MemberChannel member, string method, TimeSpan? timeout) =>
        new(member.Address, method, timeout, _tlsFailure);

    /// <summary>Headers for a call on <paramref name="member"/>: its token when auth is configured.</summary>
    internal async Task<Metadata> HeadersForAsync(MemberChannel member, CancellationToken cancellationToken)
    {
        var token = HasCredentials ? await GetTokenAsync(member, cancellationToken).ConfigureAwait(false) : null;
        return token is null ? [] : new Metadata { { TokenMetadata, token } };
    }

    private async Task<string?> GetTokenAsync(MemberChannel member, CancellationToken cancellationToken)
    {
        if (_tokens.TryGetValue(member.Address, out var token))
        {
            return token.Length == 0 ? null : token;
        }

        await _authLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_tokens.TryGetValue(member.Address, out token))
            {
                return token.Length == 0 ? null : token;
            }

            var request = new AuthenticateRequest { Name = _options.Username, Password = _options.Password ?? string.Empty };
            try
            {
                var response = await InvokeAsync(member, "Auth.Authenticate",
                    (etcd, headers, deadline, ct) => etcd.AuthenticateAsync(request, headers, deadline, ct),
                    [], cancellationToken).ConfigureAwait(false);
                token = response.Token;
            }
            catch (EtcdRpcException ex) when (EtcdErrors.IsAuthNotEnabled(ex))
            {
                // Credentials for a cluster without auth: carry on without a token, as etcdctl does.
                Log.AuthNotEnabled(_logger, member.Address);
                token = string.Empty;
            }

            _tokens[member.Address] = token;
            return token.Length == 0 ? null : token;
        }
        finally
        {
            _authLock.Release();
        }
    }

    /// <summary>Drops the token a failed call used, but not a fresher one another call obtained meanwhile.</summary>
    internal void ForgetToken(Uri endpoint, Metadata used)
    {
        var token = used.Get(TokenMetadata)?.Value;
        if (token is not null)
        {
            _tokens.TryRemove(new KeyValuePair<Uri, string>(endpoint, token));
        }
    }

    internal MemberChannel MemberFor(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return _members.FirstOrDefault(c => c.Address == endpoint)
               ?? throw new ArgumentException($"{endpoint} is not one of this client's endpoints", nameof(endpoint));
    }

    internal MemberChannel MemberAt(int index) => _members[((index % _members.Length) + _members.Length) % _members.Length];

    internal int PreferredIndex => Volatile.Read(ref _preferred);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var member in _members)
        {
            member.Dispose();
        }

        _handler.Dispose();
        _authLock.Dispose();
    }
}

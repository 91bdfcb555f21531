using EtcdAgent.Protocol.Grpc;
using Etcdserverpb;
using Microsoft.Extensions.Logging;

namespace EtcdAgent.Protocol.Etcd;

/// <summary>
/// Renews a lease at a third of its TTL over a bidirectional LeaseKeepAlive stream. A broken stream is reopened
/// (on the next endpoint) until the lease would have expired; then, or when etcd answers TTL 0, the lease is lost
/// and <see cref="Lost"/> completes — holders of a lease-backed lock must stop work at that moment.
/// </summary>
public sealed class LeaseKeepAlive : IAsyncDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(300);
    private readonly EtcdClient _client;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _ttl;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<string> _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _loop;
    private long _lastTtl;
    private long _renewals;

    internal LeaseKeepAlive(EtcdClient client, long leaseId, TimeSpan ttl, TimeProvider time, ILogger logger)
    {
        _client = client;
        LeaseId = leaseId;
        _ttl = ttl;
        _time = time;
        _logger = logger;
        LastRenewed = time.GetUtcNow();
        _loop = Task.Run(RunAsync);
    }

    /// <summary>The lease being kept alive.</summary>
    public long LeaseId { get; }

    /// <summary>The TTL etcd granted at the last renewal, in seconds.</summary>
    public long LastTtl => Interlocked.Read(ref _lastTtl);

    /// <summary>How many renewals etcd has acknowledged.</summary>
    public long Renewals => Interlocked.Read(ref _renewals);

    /// <summary>When etcd last acknowledged a renewal.</summary>
    public DateTimeOffset LastRenewed { get; private set; }

    /// <summary>Completes with the reason when the lease is lost; never completes while it is kept alive.</summary>
    public Task<string> Lost => _lost.Task;

    private async Task RunAsync()
    {
        var index = _client.PreferredIndex;
        while (!_stop.IsCancellationRequested)
        {
            var channel = _client.ChannelAt(index);
            try
            {
                var reason = await KeepAliveOnStreamAsync(channel).ConfigureAwait(false);
                if (reason is not null)
                {
                    SetLost(reason);
                    return;
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException ex)
            {
                EtcdClient.Log.KeepAliveRetry(_logger, LeaseId, channel.Address, ex.Detail);
                if (EtcdErrors.IsInvalidToken(ex))
                {
                    _client.ForgetToken(channel.Address);
                }
                else
                {
                    index++;
                }
            }

            if (_time.GetUtcNow() - LastRenewed >= _ttl)
            {
                SetLost($"no renewal acknowledged for {_ttl.TotalSeconds:0.#}s (the TTL); the lease has expired");
                return;
            }

            try
            {
                await Task.Delay(RetryDelay, _time, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Renews over one stream until it breaks (throws) or the lease is gone (returns the reason).</summary>
    private async Task<string?> KeepAliveOnStreamAsync(GrpcChannel channel)
    {
        var options = await _client.CallOptionsForAsync(channel, timeout: null, _stop.Token).ConfigureAwait(false);
        var call = channel.StartDuplex(EtcdMethods.LeaseKeepAlive, options, _stop.Token);
        await using var _ = call.ConfigureAwait(false);
        while (true)
        {
            await call.WriteAsync(new LeaseKeepAliveRequest { ID = LeaseId }).ConfigureAwait(false);
            var response = await call.ReadAsync().ConfigureAwait(false)
                           ?? throw new RpcException(GrpcStatusCode.Unavailable, "keepalive stream ended by the server");
            if (response.TTL <= 0)
            {
                return "etcd reports the lease no longer exists (revoked or expired)";
            }

            Interlocked.Exchange(ref _lastTtl, response.TTL);
            Interlocked.Increment(ref _renewals);
            LastRenewed = _time.GetUtcNow();

            // A third of the TTL, as clientv3 does: two renewals may be lost before the lease expires.
            var wait = TimeSpan.FromSeconds(Math.Max(response.TTL / 3.0, 0.2));
            await Task.Delay(wait, _time, _stop.Token).ConfigureAwait(false);
        }
    }


    private void SetLost(string reason)
    {
        EtcdClient.Log.LeaseLost(_logger, LeaseId, reason);
        _lost.TrySetResult(reason);
    }

    /// <summary>Stops renewing (the lease itself stays until revoked or expired).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}

using Etcdserverpb;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace EtcdAgent.Protocol.Etcd;

/// <summary>
/// Renews a lease at a third of its TTL over a bidirectional LeaseKeepAlive stream. A broken stream is reopened
/// (on the next endpoint) until the lease would have expired; then, or when etcd answers TTL 0, the lease is lost
/// and <see cref="Lost"/> completes — holders of a lease-backed lock must stop work at that moment. Expiry is
/// judged from when the last acknowledged renewal was *sent*, and every wait for an answer is bounded by the time
/// the lease has left, so a member that goes silent cannot hide an expired lease.
/// </summary>
public sealed class LeaseKeepAlive : IAsyncDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(300);
    private readonly EtcdClient _client;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<string> _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _loop;
    private long _ttlTicks;
    private long _lastTtl;
    private long _renewals;
    private long _lastRenewedUtcTicks;

    internal LeaseKeepAlive(EtcdClient client, long leaseId, TimeSpan ttl, TimeProvider time, ILogger logger)
    {
        _client = client;
        LeaseId = leaseId;
        _ttlTicks = ttl.Ticks;
        _time = time;
        _logger = logger;
        _lastRenewedUtcTicks = time.GetUtcNow().UtcTicks;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>The lease being kept alive.</summary>
    public long LeaseId { get; }

    /// <summary>The TTL etcd granted at the last renewal, in seconds.</summary>
    public long LastTtl => Interlocked.Read(ref _lastTtl);

    /// <summary>How many renewals etcd has acknowledged.</summary>
    public long Renewals => Interlocked.Read(ref _renewals);

    /// <summary>When the last renewal that etcd acknowledged was sent.</summary>
    public DateTimeOffset LastRenewed => new(Interlocked.Read(ref _lastRenewedUtcTicks), TimeSpan.Zero);

    /// <summary>Completes with the reason when the lease is lost; never completes while it is kept alive.</summary>
    public Task<string> Lost => _lost.Task;

    private TimeSpan Ttl => TimeSpan.FromTicks(Interlocked.Read(ref _ttlTicks));

    private TimeSpan Left => LastRenewed + Ttl - _time.GetUtcNow();

    private async Task RunAsync()
    {
        var index = _client.PreferredIndex;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var member = _client.MemberAt(index);
                var headers = new Metadata();
                try
                {
                    headers = await _client.HeadersForAsync(member, _stop.Token).ConfigureAwait(false);
                    var reason = await KeepAliveOnStreamAsync(member, headers).ConfigureAwait(false);
                    SetLost(reason);
                    return;
                }
                catch (Exception ex) when (ex is RpcException or HttpRequestException or IOException
                                           || (ex is OperationCanceledException && !_stop.IsCancellationRequested))
                {
                    if (_client.Failure(member, "Lease.LeaseKeepAlive", timeout: null).Translate(ex, _stop.Token)
                        is not EtcdRpcException failure)
                    {
                        throw;
                    }

                    EtcdClient.Log.KeepAliveRetry(_logger, LeaseId, member.Address, failure.Detail);
                    if (EtcdErrors.IsInvalidToken(failure))
                    {
                        _client.ForgetToken(member.Address, headers);
                    }
                    else
                    {
                        index++;
                    }
                }

                if (Left <= TimeSpan.Zero)
                {
                    SetLost($"no renewal acknowledged for {Ttl.TotalSeconds:0.#}s (the TTL); the lease has expired");
                    return;
                }

                await Task.Delay(RetryDelay, _time, _stop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposed: stop renewing; the lease itself lives until revoked or expired.
        }
#pragma warning disable CA1031 // Whatever broke the loop, a holder must learn the lease is no longer kept.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            SetLost($"keepalive stopped unexpectedly: {ex.Message}");
        }
    }

    /// <summary>Renews over one stream until it breaks (throws) or the lease is gone (returns the reason).</summary>
    private async Task<string> KeepAliveOnStreamAsync(MemberChannel member, Metadata headers)
    {
        using var call = member.Etcd.GetConnection().LeaseClient.LeaseKeepAlive(headers, deadline: null, _stop.Token);
        while (true)
        {
            var sentAt = _time.GetUtcNow();
            await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = LeaseId }, _stop.Token).ConfigureAwait(false);
            bool answered;
            try
            {
                var left = Left;
                answered = left <= TimeSpan.Zero
                    ? throw new TimeoutException()
                    : await call.ResponseStream.MoveNext(_stop.Token).WaitAsync(left, _time, _stop.Token).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return $"no renewal acknowledged within the lease's TTL ({Ttl.TotalSeconds:0.#}s) by {member.Address}; the lease has expired";
            }

            if (!answered)
            {
                throw new EtcdRpcException(StatusCode.Unavailable, "keepalive stream ended by the server") { Endpoint = member.Address };
            }

            var response = call.ResponseStream.Current;
            if (response.TTL <= 0)
            {
                return "etcd reports the lease no longer exists (revoked or expired)";
            }

            Interlocked.Exchange(ref _lastTtl, response.TTL);
            Interlocked.Exchange(ref _ttlTicks, TimeSpan.FromSeconds(response.TTL).Ticks);
            Interlocked.Exchange(ref _lastRenewedUtcTicks, sentAt.UtcTicks);
            Interlocked.Increment(ref _renewals);

            // A third of the TTL, as clientv3 does: two renewals may be lost before the lease expires.
            var wait = TimeSpan.FromSeconds(Math.Max(response.TTL / 3.0, 0.2));
            await Task.Delay(wait, _time, _stop.Token).ConfigureAwait(false);
        }
    }

    private void SetLost(string reason)
    {
        if (_lost.TrySetResult(reason))
        {
            EtcdClient.Log.LeaseLost(_logger, LeaseId, reason);
        }
    }

    /// <summary>Stops renewing (the lease itself stays until revoked or expired).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}

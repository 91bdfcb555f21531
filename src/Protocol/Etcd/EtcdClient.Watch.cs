using System.Runtime.CompilerServices;
using Etcdserverpb;

namespace EtcdAgent.Protocol.Etcd;

public sealed partial class EtcdClient
{
    /// <summary>
    /// Watches on one member: sends <paramref name="create"/> on a Watch stream and yields every response (the
    /// creation acknowledgement first, then events, progress notifications, and a cancellation with its reason,
    /// e.g. a compacted start revision). Ends when the caller stops or the stream breaks; no failover, no resume:
    /// the caller knows the last revision it processed and decides where to start again.
    /// </summary>
    public async IAsyncEnumerable<WatchResponse> WatchAsync(Uri endpoint, WatchCreateRequest create,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(create);
        var member = MemberFor(endpoint);
        var failure = Failure(member, "Watch.Watch", timeout: null);
        var headers = await HeadersForAsync(member, cancellationToken).ConfigureAwait(false);
        using var call = member.Etcd.GetConnection().WatchClient.Watch(headers, deadline: null, cancellationToken);
        try
        {
            await call.RequestStream.WriteAsync(new WatchRequest { CreateRequest = create }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (RpcFailure.IsCallFailure(ex))
        {
            throw failure.Translate(ex, cancellationToken);
        }

        while (await failure.MoveNextAsync(call.ResponseStream, cancellationToken).ConfigureAwait(false))
        {
            yield return call.ResponseStream.Current;
        }
    }
}

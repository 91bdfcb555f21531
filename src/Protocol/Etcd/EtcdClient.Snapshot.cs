using System.Runtime.CompilerServices;
using Etcdserverpb;
using Grpc.Core;

namespace EtcdAgent.Protocol.Etcd;

public sealed partial class EtcdClient
{
    /// <summary>
    /// Streams a snapshot of exactly one member: the blobs of the bbolt file, then a last 32-byte blob holding the
    /// sha256 of everything before it (etcd-wire.md §3). No deadline and no failover: a snapshot mixed from two
    /// members would be garbage. An invalid token is renewed once, before the first blob only.
    /// </summary>
    public IAsyncEnumerable<SnapshotResponse> SnapshotAsync(Uri endpoint, CancellationToken cancellationToken = default) =>
        ServerStreamAsync(MemberFor(endpoint), "Maintenance.Snapshot",
            (member, headers, ct) => member.Etcd.GetConnection().MaintenanceClient.Snapshot(new SnapshotRequest(), headers, deadline: null, ct),
            cancellationToken);

    /// <summary>
    /// The same stream as <see cref="SnapshotAsync"/> as chunks whose blobs are copied into one reused buffer
    /// (<see cref="SnapshotChunkMarshaller"/>): no allocation per message, for the backup pipeline, where a snapshot
    /// is gigabytes. Each chunk's blob is valid only until the loop advances.
    /// </summary>
    public IAsyncEnumerable<SnapshotChunk> SnapshotChunksAsync(Uri endpoint, CancellationToken cancellationToken = default)
    {
        var method = new SnapshotChunkMarshaller().Method;
        return ServerStreamAsync(MemberFor(endpoint), "Maintenance.Snapshot",
            (member, headers, ct) => member.Invoker.AsyncServerStreamingCall(method, host: null,
                new CallOptions(headers, deadline: null, ct), new SnapshotRequest()),
            cancellationToken);
    }

    /// <summary>
    /// Reads a server stream from one member: its token renewed once if the first read is refused for it, and
    /// every failure translated like a unary call's.
    /// </summary>
    private async IAsyncEnumerable<T> ServerStreamAsync<T>(MemberChannel member, string method,
        Func<MemberChannel, Metadata, CancellationToken, AsyncServerStreamingCall<T>> start,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var failure = Failure(member, method, timeout: null);
        AsyncServerStreamingCall<T>? call = null;
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                var headers = await HeadersForAsync(member, cancellationToken).ConfigureAwait(false);
                call = start(member, headers, cancellationToken);
                try
                {
                    if (!await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
                    {
                        yield break;
                    }

                    break;
                }
                catch (Exception ex) when (RpcFailure.IsCallFailure(ex))
                {
                    call.Dispose();
                    call = null;
                    var translated = failure.Translate(ex, cancellationToken);
                    if (attempt == 0 && HasCredentials && translated is EtcdRpcException rpc && EtcdErrors.IsInvalidToken(rpc))
                    {
                        Log.Reauthenticating(_logger, member.Address, rpc.Detail);
                        ForgetToken(member.Address, headers);
                        continue;
                    }

                    throw translated;
                }
            }

            do
            {
                yield return call.ResponseStream.Current;
            }
            while (await failure.MoveNextAsync(call.ResponseStream, cancellationToken).ConfigureAwait(false));
        }
        finally
        {
            // Disposing a call that has not ended resets the stream, so etcd stops sending.
            call?.Dispose();
        }
    }
}

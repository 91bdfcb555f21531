using System.Runtime.CompilerServices;
using EtcdAgent.Protocol.Grpc;
using Etcdserverpb;

namespace EtcdAgent.Protocol.Etcd;

public sealed partial class EtcdClient
{
    /// <summary>Maintenance Status of one member (no failover: the answer is about that member).</summary>
    public Task<StatusResponse> StatusAsync(Uri endpoint, CancellationToken cancellationToken = default) =>
        CallOnEndpointAsync(endpoint, EtcdMethods.Status, new StatusRequest(), cancellationToken);

    /// <summary>Maintenance Alarm (GET lists the cluster's alarms).</summary>
    public Task<AlarmResponse> AlarmAsync(AlarmRequest request, CancellationToken cancellationToken = default) =>
        CallAsync(EtcdMethods.Alarm, request, cancellationToken);

    /// <summary>Lists the cluster's active alarms as one member sees them.</summary>
    public async Task<IReadOnlyList<AlarmMember>> ListAlarmsAsync(Uri endpoint, CancellationToken cancellationToken = default)
    {
        var response = await CallOnEndpointAsync(endpoint, EtcdMethods.Alarm,
            new AlarmRequest { Action = AlarmRequest.Types.AlarmAction.Get }, cancellationToken).ConfigureAwait(false);
        return response.Alarms;
    }

    /// <summary>Lists active alarms (NOSPACE, CORRUPT) of every member.</summary>
    public async Task<IReadOnlyList<AlarmMember>> ListAlarmsAsync(CancellationToken cancellationToken = default)
    {
        var response = await AlarmAsync(new AlarmRequest { Action = AlarmRequest.Types.AlarmAction.Get },
            cancellationToken).ConfigureAwait(false);
        return response.Alarms;
    }

    /// <summary>Maintenance Defragment of one member. Blocks that member's writes while it runs.</summary>
    public Task<DefragmentResponse> DefragmentAsync(Uri endpoint, CancellationToken cancellationToken = default) =>
        CallOnEndpointAsync(endpoint, EtcdMethods.Defragment, new DefragmentRequest(), cancellationToken);

    /// <summary>Maintenance HashKV of one member at <paramref name="revision"/> (0 = latest).</summary>
    public Task<HashKVResponse> HashKVAsync(Uri endpoint, long revision = 0, CancellationToken cancellationToken = default) =>
        CallOnEndpointAsync(endpoint, EtcdMethods.HashKV, new HashKVRequest { Revision = revision }, cancellationToken);

    /// <summary>
    /// Streams a snapshot of exactly one member: the blobs of the bbolt file, then a last 32-byte blob holding the
    /// sha256 of everything before it (etcd-wire.md §3). No deadline and no failover: a snapshot mixed from two
    /// members would be garbage. An invalid token is renewed once, before the first blob only.
    /// </summary>
    public IAsyncEnumerable<SnapshotResponse> SnapshotAsync(Uri endpoint, CancellationToken cancellationToken = default) =>
        StreamSnapshotAsync(ChannelFor(endpoint),
            (channel, options) => channel.ServerStreamingAsync(EtcdMethods.Snapshot, new SnapshotRequest(), options, cancellationToken),
            cancellationToken);

    /// <summary>
    /// The same stream as <see cref="SnapshotAsync"/>, decoded in place with no allocation per message: each
    /// chunk's blob is valid only until the loop advances. For the backup pipeline, where a snapshot is gigabytes.
    /// </summary>
    public IAsyncEnumerable<SnapshotChunk> SnapshotChunksAsync(Uri endpoint, CancellationToken cancellationToken = default) =>
        StreamSnapshotAsync(ChannelFor(endpoint),
            (channel, options) => DecodeChunks(channel.ServerStreamingRawAsync(EtcdMethods.Snapshot, new SnapshotRequest(), options, cancellationToken)),
            cancellationToken);

    private static async IAsyncEnumerable<SnapshotChunk> DecodeChunks(IAsyncEnumerable<ReadOnlyMemory<byte>> messages)
    {
        await foreach (var message in messages.ConfigureAwait(false))
        {
            yield return SnapshotChunk.Decode(message);
        }
    }

    private async IAsyncEnumerable<T> StreamSnapshotAsync<T>(GrpcChannel channel,
        Func<GrpcChannel, CallOptions, IAsyncEnumerable<T>> start, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var enumerator = await OpenSnapshotAsync(channel, start, cancellationToken).ConfigureAwait(false);
        try
        {
            if (enumerator is null)
            {
                yield break;
            }

            do
            {
                yield return enumerator.Current;
            }
            while (await enumerator.MoveNextAsync().ConfigureAwait(false));
        }
        finally
        {
            if (enumerator is not null)
            {
                await enumerator.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Opens the stream and reads its first message, renewing the token once if it is rejected.</summary>
    private async Task<IAsyncEnumerator<T>?> OpenSnapshotAsync<T>(GrpcChannel channel,
        Func<GrpcChannel, CallOptions, IAsyncEnumerable<T>> start, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var options = await CallOptionsForAsync(channel, timeout: null, cancellationToken).ConfigureAwait(false);
            var enumerator = start(channel, options).GetAsyncEnumerator(cancellationToken);
            try
            {
                if (await enumerator.MoveNextAsync().ConfigureAwait(false))
                {
                    return enumerator;
                }

                await enumerator.DisposeAsync().ConfigureAwait(false);
                return null;
            }
            catch (RpcException ex) when (attempt == 0 && HasCredentials && EtcdErrors.IsInvalidToken(ex))
            {
                await enumerator.DisposeAsync().ConfigureAwait(false);
                Log.Reauthenticating(_logger, channel.Address, ex.Detail);
                ForgetToken(channel.Address, options);
            }
            catch
            {
                await enumerator.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }
}

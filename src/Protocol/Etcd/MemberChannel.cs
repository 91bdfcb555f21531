using Grpc.Net.Client;

namespace EtcdAgent.Protocol.Etcd;

/// <summary>
/// One member's gRPC channel and the dotnet-etcd client on it. Every member gets its own channel so that per-member
/// calls (Status, Snapshot, HashKV, Defragment, health) address exactly that member: dotnet-etcd's own multi-endpoint
/// channel balances round-robin and would pick for us.
/// </summary>
internal sealed class MemberChannel : IDisposable
{
    private readonly GrpcChannel _channel;

    public MemberChannel(Uri address, HttpMessageHandler handler, int maxReceiveMessageBytes)
    {
        Address = address;
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            // An HttpClient (rather than HttpHandler) keeps Grpc.Net.Client off its subchannel balancer: that one
            // backs off reconnecting for up to two minutes after a failure, so a member that was just restarted
            // (restore, health waits) would stay "unavailable" long after it answers. Through the HttpClient every
            // call connects on its own, bounded by the handler's ConnectTimeout (the dial timeout).
            HttpClient = new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan },
            DisposeHttpClient = true,
            MaxReceiveMessageSize = maxReceiveMessageBytes,

            // No ServiceConfig: no retry or hedging policy, so the library never resends a call on its own.
            // Whether a failed call may go to another member is decided in EtcdClient.CanFailOver alone.
            ServiceConfig = null,

            // CANCELLED and DEADLINE_EXCEEDED stay apart (with true, both would be an OperationCanceledException);
            // RpcFailure turns CANCELLED from the caller's own token back into an OperationCanceledException.
            ThrowOperationCanceledOnCancellation = false,
        });
        Invoker = _channel.CreateCallInvoker();
        Etcd = new dotnet_etcd.EtcdClient(Invoker);
    }

    /// <summary>The member's client URL.</summary>
    public Uri Address { get; }

    /// <summary>dotnet-etcd's client bound to this member only.</summary>
    public dotnet_etcd.EtcdClient Etcd { get; }

    /// <summary>The channel's invoker, for calls with our own marshaller (the snapshot stream).</summary>
    public Grpc.Core.CallInvoker Invoker { get; }

    public void Dispose()
    {
        Etcd.Dispose();
        _channel.Dispose();
    }
}

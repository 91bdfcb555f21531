using Google.Protobuf;

namespace EtcdAgent.Protocol.Grpc;

/// <summary>Describes one RPC: its path, how to parse its responses, and whether resending it is harmless.</summary>
/// <param name="Path">The HTTP/2 :path, e.g. <c>/etcdserverpb.KV/Range</c> (case-sensitive).</param>
/// <param name="ResponseParser">Parser of the response message type.</param>
/// <param name="Idempotent">
/// True when sending the request twice has the same effect as once (reads, Status). Failover may resend an
/// idempotent call after a failure; a non-idempotent one only when it certainly never left this process.
/// </param>
public sealed record GrpcMethod<TRequest, TResponse>(string Path, MessageParser<TResponse> ResponseParser, bool Idempotent)
    where TRequest : IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>;

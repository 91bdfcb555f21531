using EtcdAgent.Protocol.Connection;

namespace EtcdAgent.Protocol.Etcd;

/// <summary>How to reach an etcd cluster. Defaults follow etcdctl's.</summary>
public sealed record EtcdClientOptions
{
    /// <summary>Client URLs (http:// = h2c, https:// = TLS). Unary calls fail over between them in order.</summary>
    public required IReadOnlyList<Uri> Endpoints { get; init; }

    /// <summary>TCP + TLS connect budget per endpoint (etcdctl --dial-timeout, default 2 s).</summary>
    public TimeSpan DialTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Deadline of each unary attempt (etcdctl --command-timeout, default 5 s). Streams have none.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>TLS files for https endpoints; null uses the system trust store and no client certificate.</summary>
    public TlsSettings? Tls { get; init; }

    /// <summary>etcd user for auth-enabled clusters; null sends no token.</summary>
    public string? Username { get; init; }

    /// <summary>Password of <see cref="Username"/>. Never logged.</summary>
    public string? Password { get; init; }

    /// <summary>Largest response message accepted; a full-keyspace Range can be large.</summary>
    public int MaxReceiveMessageBytes { get; init; } = 256 * 1024 * 1024;

    /// <summary>
    /// HTTP/2 receive window per stream: bytes etcd may send ahead of the reader. Bounds the memory a snapshot
    /// stream buffers. 1 MiB still keeps etcd, not the window, the limit of a snapshot's speed on loopback (a 1 GB
    /// snapshot took the same time with 4 MiB) and costs 3-5 MB less peak RSS (docs/benchmarks.md).
    /// </summary>
    public int Http2StreamWindowBytes { get; init; } = 1024 * 1024;

    /// <summary>HTTP/2 keepalive ping interval while calls are active; clamped to at least 10 s for etcd.</summary>
    public TimeSpan KeepAlivePingDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a keepalive ping may go unanswered before the connection is dropped.</summary>
    public TimeSpan KeepAlivePingTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

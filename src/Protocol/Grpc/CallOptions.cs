namespace EtcdAgent.Protocol.Grpc;

/// <summary>Per-call settings.</summary>
public sealed record CallOptions
{
    /// <summary>No deadline, no metadata.</summary>
    public static CallOptions Default { get; } = new();

    /// <summary>
    /// The call's deadline, relative to its start. Sent as grpc-timeout and enforced locally, so a server that
    /// ignores the header still cannot make the call hang. Null: no deadline (long snapshot streams).
    /// </summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Custom metadata (lower-case names; a <c>-bin</c> suffix means a base64 value).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Metadata { get; init; } = [];
}

namespace EtcdAgent.Protocol.Etcd;

/// <summary>
/// One message of a snapshot stream: a blob of the bbolt file and what etcd says is still to come. A stream hands
/// out the same instance for every message (no allocation per 32 KiB): read it before the loop advances.
/// </summary>
public sealed class SnapshotChunk
{
    internal SnapshotChunk()
    {
    }

    /// <summary>Bytes of the db still to come after this blob.</summary>
    public ulong RemainingBytes { get; private set; }

    /// <summary>The blob; valid only until the stream advances (copy it to keep it).</summary>
    public ReadOnlyMemory<byte> Blob { get; private set; }

    /// <summary>etcd's version (etcd 3.6+), or null.</summary>
    public string? Version { get; private set; }

    internal SnapshotChunk Set(ulong remainingBytes, ReadOnlyMemory<byte> blob, string? version)
    {
        RemainingBytes = remainingBytes;
        Blob = blob;
        Version = version;
        return this;
    }
}

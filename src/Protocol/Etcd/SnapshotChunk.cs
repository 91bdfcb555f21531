using Etcdserverpb;

namespace EtcdAgent.Protocol.Etcd;

/// <summary>One message of a snapshot stream: a blob of the bbolt file and what etcd says is still to come.</summary>
public readonly struct SnapshotChunk
{
    internal SnapshotChunk(SnapshotResponse response)
    {
        RemainingBytes = response.RemainingBytes;
        Blob = response.Blob.Memory;
        Version = response.Version.Length == 0 ? null : response.Version;
    }

    /// <summary>Bytes of the db still to come after this blob.</summary>
    public ulong RemainingBytes { get; }

    /// <summary>The blob; valid only until the stream advances (copy it to keep it).</summary>
    public ReadOnlyMemory<byte> Blob { get; }

    /// <summary>etcd's version (etcd 3.6+), or null.</summary>
    public string? Version { get; }
}

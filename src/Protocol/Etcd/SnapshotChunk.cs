using System.Text;
using EtcdAgent.Protocol.Grpc;
using EtcdAgent.Protocol.Wire;

namespace EtcdAgent.Protocol.Etcd;

/// <summary>
/// One SnapshotResponse decoded in place: <see cref="Blob"/> points into the transport's reused buffer and is valid
/// only until the stream advances. This is how a multi-gigabyte snapshot streams with no allocation per message;
/// Google.Protobuf's parser would copy every blob into a new ByteString.
/// </summary>
public readonly struct SnapshotChunk
{
    private SnapshotChunk(ulong remainingBytes, ReadOnlyMemory<byte> blob, string? version)
    {
        RemainingBytes = remainingBytes;
        Blob = blob;
        Version = version;
    }

    /// <summary>Bytes of the db still to come after this blob (field 2).</summary>
    public ulong RemainingBytes { get; }

    /// <summary>The blob (field 3); copy it before the stream advances if it must outlive the iteration.</summary>
    public ReadOnlyMemory<byte> Blob { get; }

    /// <summary>etcd's version (field 4, etcd 3.6+), or null.</summary>
    public string? Version { get; }

    /// <summary>Decodes SnapshotResponse wire bytes (field numbers from etcd's rpc.proto).</summary>
    /// <exception cref="RpcException">INTERNAL when the bytes are not a valid message.</exception>
    public static SnapshotChunk Decode(ReadOnlyMemory<byte> message)
    {
        ulong remaining = 0;
        var blob = ReadOnlyMemory<byte>.Empty;
        string? version = null;
        try
        {
            var reader = new ProtoWireReader(message.Span);
            while (reader.Next(out var field, out var wireType))
            {
                if (field == 2 && wireType == 0)
                {
                    remaining = reader.ReadVarint();
                }
                else if (field == 3 && wireType == 2)
                {
                    var (offset, length) = reader.ReadLengthDelimited();
                    blob = message.Slice(offset, length);
                }
                else if (field == 4 && wireType == 2)
                {
                    var (offset, length) = reader.ReadLengthDelimited();
                    version = length == 0 ? null : Encoding.UTF8.GetString(message.Span.Slice(offset, length));
                }
                else
                {
                    reader.Skip(wireType);
                }
            }
        }
        catch (InvalidDataException ex)
        {
            throw new RpcException(GrpcStatusCode.Internal, $"malformed SnapshotResponse: {ex.Message}", ex);
        }

        return new SnapshotChunk(remaining, blob, version);
    }
}

using System.Text;
using EtcdAgent.Protocol.Grpc;

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
        var span = message.Span;
        ulong remaining = 0;
        var blob = ReadOnlyMemory<byte>.Empty;
        string? version = null;
        var pos = 0;
        while (pos < span.Length)
        {
            var tag = ReadVarint(span, ref pos);
            var field = tag >> 3;
            switch ((int)(tag & 7))
            {
                case 0:
                    var value = ReadVarint(span, ref pos);
                    if (field == 2)
                    {
                        remaining = value;
                    }

                    break;
                case 1:
                    pos = Skip(span, pos, 8);
                    break;
                case 2:
                    var length = ReadVarint(span, ref pos);
                    if (length > (ulong)(span.Length - pos))
                    {
                        throw Malformed("a field runs past the end of the message");
                    }

                    if (field == 3)
                    {
                        blob = message.Slice(pos, (int)length);
                    }
                    else if (field == 4 && length > 0)
                    {
                        version = Encoding.UTF8.GetString(span.Slice(pos, (int)length));
                    }

                    pos += (int)length;
                    break;
                case 5:
                    pos = Skip(span, pos, 4);
                    break;
                default:
                    throw Malformed($"unsupported wire type {tag & 7}");
            }
        }

        return new SnapshotChunk(remaining, blob, version);
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> span, ref int pos)
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (pos >= span.Length)
            {
                throw Malformed("truncated varint");
            }

            var b = span[pos++];
            result |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw Malformed("varint longer than 10 bytes");
    }

    private static int Skip(ReadOnlySpan<byte> span, int pos, int count) =>
        pos + count <= span.Length ? pos + count : throw Malformed("a fixed-size field runs past the end");

    private static RpcException Malformed(string why) =>
        new(GrpcStatusCode.Internal, $"malformed SnapshotResponse: {why}");
}

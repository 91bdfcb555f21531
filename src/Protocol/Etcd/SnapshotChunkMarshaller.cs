using System.Buffers;
using System.Runtime.InteropServices;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;

namespace EtcdAgent.Protocol.Etcd;

/// <summary>
/// The snapshot stream's response marshaller: each SnapshotResponse is read with Google.Protobuf's
/// <see cref="CodedInputStream"/> straight out of Grpc.Net.Client's receive buffer, and its blob is copied into one
/// buffer reused for the whole stream. The generated parser would allocate a new <see cref="ByteString"/> for every
/// 32 KiB blob: a gigabyte of garbage per gigabyte of snapshot, which showed as ~10 MB more peak RSS on a 1 GB DB
/// (docs/benchmarks.md). One instance per call: the buffer belongs to that stream, and each chunk's blob is valid
/// until the next one is read, as <see cref="SnapshotChunk"/> says.
/// </summary>
internal sealed class SnapshotChunkMarshaller
{
    private static readonly Marshaller<SnapshotRequest> RequestMarshaller =
        Marshallers.Create(request => request.ToByteArray(), SnapshotRequest.Parser.ParseFrom);

    private readonly SnapshotChunk _chunk = new();
    private byte[] _blob = new byte[64 * 1024];

    /// <summary>Maintenance.Snapshot with this marshaller for its responses.</summary>
    public Method<SnapshotRequest, SnapshotChunk> Method => new(MethodType.ServerStreaming, Maintenance.Descriptor.FullName,
        "Snapshot", RequestMarshaller, Marshallers.Create<SnapshotChunk>((_, _) => throw new NotSupportedException(), Deserialize));

    private SnapshotChunk Deserialize(DeserializationContext context)
    {
        var payload = context.PayloadAsReadOnlySequence();
        byte[]? rented = null;
        try
        {
            ArraySegment<byte> message;
            if (payload.IsSingleSegment && MemoryMarshal.TryGetArray(payload.First, out var segment))
            {
                message = segment;
            }
            else
            {
                rented = ArrayPool<byte>.Shared.Rent((int)payload.Length);
                payload.CopyTo(rented);
                message = new ArraySegment<byte>(rented, 0, (int)payload.Length);
            }

            return Read(message);
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or InvalidDataException)
        {
            // No DebugException: the facade reads one as a transport failure (InvalidProtocolBufferException is an
            // IOException), and this is the member sending garbage.
            throw new RpcException(new Status(StatusCode.Internal, $"malformed SnapshotResponse: {ex.Message}"));
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Reads the fields this stream needs, by SnapshotResponse's field numbers, skipping any other.</summary>
    private SnapshotChunk Read(ArraySegment<byte> message)
    {
        ulong remaining = 0;
        var blobLength = 0;
        string? version = null;
        var input = new CodedInputStream(message.Array!, message.Offset, message.Count);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (tag)
            {
                case (SnapshotResponse.RemainingBytesFieldNumber << 3) | (uint)WireFormat.WireType.Varint:
                    remaining = input.ReadUInt64();
                    break;
                case (SnapshotResponse.BlobFieldNumber << 3) | (uint)WireFormat.WireType.LengthDelimited:
                    // The library reads the length; the bytes are copied once, into the stream's own buffer, and
                    // reading goes on after them with a new reader (CodedInputStream has no public skip-by-length).
                    blobLength = input.ReadLength();
                    var start = message.Offset + (int)input.Position;
                    if (blobLength > message.Offset + message.Count - start)
                    {
                        throw new InvalidDataException("the blob runs past the end of the message");
                    }

                    if (_blob.Length < blobLength)
                    {
                        _blob = new byte[blobLength];
                    }

                    Buffer.BlockCopy(message.Array!, start, _blob, 0, blobLength);
                    input = new CodedInputStream(message.Array!, start + blobLength, message.Offset + message.Count - start - blobLength);
                    break;
                case (SnapshotResponse.VersionFieldNumber << 3) | (uint)WireFormat.WireType.LengthDelimited:
                    var text = input.ReadString();
                    version = text.Length == 0 ? null : text;
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return _chunk.Set(remaining, _blob.AsMemory(0, blobLength), version);
    }
}

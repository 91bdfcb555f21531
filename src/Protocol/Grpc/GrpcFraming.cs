using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;

namespace EtcdAgent.Protocol.Grpc;

/// <summary>gRPC length-prefixed messages: 1 byte compressed flag, 4 bytes big-endian length, the message.</summary>
internal static class GrpcFraming
{
    public const int HeaderSize = 5;

    /// <summary>Serializes <paramref name="message"/> with its 5-byte prefix into one array.</summary>
    public static byte[] Frame(IMessage message)
    {
        var size = message.CalculateSize();
        var buffer = new byte[HeaderSize + size];
        buffer[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(1, 4), (uint)size);
        message.WriteTo(buffer.AsSpan(HeaderSize));
        return buffer;
    }
}

/// <summary>
/// Reads length-prefixed messages from a response body. DATA frame boundaries mean nothing here, so every read
/// loops until it has the bytes it needs. A clean end of stream on a message boundary ends the sequence;
/// an end inside a message is an error (INTERNAL), as the spec demands.
/// The returned bytes live in a buffer the reader reuses: they are valid until the next read. A snapshot stream
/// is tens of thousands of 32 KiB messages, and a fresh array for each would only feed the garbage collector.
/// </summary>
internal sealed class GrpcMessageReader(Stream stream, int maxMessageBytes) : IDisposable
{
    private readonly byte[] _header = new byte[GrpcFraming.HeaderSize];
    private byte[] _buffer = [];

    /// <summary>Returns the next message's bytes (valid until the next call), or null at a clean end of stream.</summary>
    public async ValueTask<ReadOnlyMemory<byte>?> ReadAsync(CancellationToken cancellationToken)
    {
        var got = await FillAsync(_header, cancellationToken).ConfigureAwait(false);
        if (got == 0)
        {
            return null;
        }

        if (got < GrpcFraming.HeaderSize)
        {
            throw new RpcException(GrpcStatusCode.Internal,
                $"response ended inside a message header ({got} of {GrpcFraming.HeaderSize} bytes)");
        }

        if (_header[0] != 0)
        {
            // We never send grpc-accept-encoding, so a compliant server never compresses.
            throw new RpcException(GrpcStatusCode.Internal,
                "server sent a compressed message although no compression was negotiated");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(_header.AsSpan(1));
        if (length > (uint)maxMessageBytes)
        {
            throw new RpcException(GrpcStatusCode.ResourceExhausted,
                $"received message of {length} bytes exceeds the limit of {maxMessageBytes} bytes");
        }

        if (length == 0)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        if (_buffer.Length < length)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent((int)length);
        }

        var body = _buffer.AsMemory(0, (int)length);
        var read = await FillAsync(body, cancellationToken).ConfigureAwait(false);
        if (read < body.Length)
        {
            throw new RpcException(GrpcStatusCode.Internal,
                $"response ended inside a message ({read} of {length} bytes)");
        }

        return body;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    private async ValueTask<int> FillAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer[total..], cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }
}

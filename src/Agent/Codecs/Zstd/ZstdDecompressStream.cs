namespace EtcdAgent.Codecs.Zstd;

/// <summary>
/// A read-only stream that zstd-decompresses <c>inner</c>. Output is capped at <c>maxOutputBytes</c> (a zstd bomb
/// ends in an error, not a full disk), and a stream that ends inside a frame is an error, not a short snapshot.
/// Concatenated frames are read as one stream, as `zstd -d` does.
/// </summary>
internal sealed class ZstdDecompressStream(Stream inner, long maxOutputBytes, bool leaveOpen = false) : ReadOnlyStream
{
    private readonly ZstdContextHandle _ctx = ZstdContextHandle.Decompressor();
    private readonly byte[] _in = new byte[128 * 1024];
    private int _inPos;
    private int _inLength;
    private bool _innerDone;
    private nuint _lastHint = 1; // 0 means the last frame was complete
    private long _produced;

    public override long Position { get => _produced; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (true)
        {
            if (_inPos == _inLength && !_innerDone)
            {
                _inLength = inner.Read(_in, 0, _in.Length);
                _inPos = 0;
                _innerDone = _inLength == 0;
            }

            var n = Step(buffer);
            if (n > 0 || buffer.IsEmpty)
            {
                return n;
            }

            if (_innerDone && _inPos == _inLength)
            {
                return End();
            }
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (_inPos == _inLength && !_innerDone)
            {
                _inLength = await inner.ReadAsync(_in, cancellationToken).ConfigureAwait(false);
                _inPos = 0;
                _innerDone = _inLength == 0;
            }

            var n = Step(buffer.Span);
            if (n > 0 || buffer.IsEmpty)
            {
                return n;
            }

            if (_innerDone && _inPos == _inLength)
            {
                return End();
            }
        }
    }

    private int End() =>
        _lastHint == 0
            ? 0
            : throw new InvalidDataException($"zstd stream is truncated: it ends inside a frame after {_produced} bytes of output");

    private unsafe int Step(Span<byte> output)
    {
        if (output.IsEmpty || _inPos == _inLength)
        {
            return 0;
        }

        fixed (byte* src = _in)
        fixed (byte* dst = output)
        {
            var inBuf = new ZstdNative.Buffer { Data = src, Size = (nuint)_inLength, Pos = (nuint)_inPos };
            var outBuf = new ZstdNative.Buffer { Data = dst, Size = (nuint)output.Length, Pos = 0 };
            _lastHint = ZstdNative.Check(ZstdNative.DecompressStream(_ctx.DangerousGetHandle(), &outBuf, &inBuf), "decompress");
            _inPos = (int)inBuf.Pos;
            _produced += (long)outBuf.Pos;
            if (_produced > maxOutputBytes)
            {
                throw new InvalidDataException(
                    $"zstd output exceeds the limit of {maxOutputBytes} bytes: not a snapshot of this cluster's size, or a decompression bomb");
            }

            return (int)outBuf.Pos;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _ctx.Dispose();
            if (!leaveOpen)
            {
                inner.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}

namespace EtcdAgent.Codecs.Zstd;

/// <summary>
/// A write-only stream that zstd-compresses into <c>inner</c> with a bounded buffer (ZSTD_compressStream2). The
/// frame carries zstd's content checksum, so `zstd -d` and our decoder both detect damage. Only
/// <see cref="FinishAsync"/> ends the frame: Dispose just frees the context, so a stream abandoned after a failure
/// leaves an unterminated frame that every decoder rejects as truncated, never a short "valid" one.
/// </summary>
internal sealed class ZstdCompressStream : WriteOnlyStream
{
    private const int OutSize = 128 * 1024;
    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly ZstdContextHandle _ctx = ZstdContextHandle.Compressor();
    private readonly byte[] _out = new byte[OutSize];
    private bool _finished;

    public ZstdCompressStream(Stream inner, int level, int workers = 0, bool leaveOpen = false)
    {
        _inner = inner;
        _leaveOpen = leaveOpen;
        var ctx = _ctx.DangerousGetHandle();
        ZstdNative.Check(ZstdNative.CCtxSetParameter(ctx, ZstdNative.CompressionLevel, level), "set level");
        ZstdNative.Check(ZstdNative.CCtxSetParameter(ctx, ZstdNative.ChecksumFlag, 1), "set checksum");
        if (workers > 0)
        {
            ZstdNative.Check(ZstdNative.CCtxSetParameter(ctx, ZstdNative.NbWorkers, workers), "set workers");
        }
    }

    public override bool CanWrite => !_finished;

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        while (!buffer.IsEmpty)
        {
            var (consumed, produced, _) = Step(buffer, ZstdNative.EndContinue);
            _inner.Write(_out, 0, produced);
            buffer = buffer[consumed..];
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        while (!buffer.IsEmpty)
        {
            var (consumed, produced, _) = Step(buffer.Span, ZstdNative.EndContinue);
            await _inner.WriteAsync(_out.AsMemory(0, produced), cancellationToken).ConfigureAwait(false);
            buffer = buffer[consumed..];
        }
    }

    /// <summary>Ends the zstd frame (writes what zstd still holds plus the checksum).</summary>
    public async Task FinishAsync(CancellationToken cancellationToken = default)
    {
        if (_finished)
        {
            return;
        }

        nuint remaining;
        do
        {
            (_, var produced, remaining) = Step([], ZstdNative.EndFrame);
            await _inner.WriteAsync(_out.AsMemory(0, produced), cancellationToken).ConfigureAwait(false);
        }
        while (remaining != 0);

        _finished = true;
        await _inner.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private unsafe (int Consumed, int Produced, nuint Remaining) Step(ReadOnlySpan<byte> input, int endOp)
    {
        fixed (byte* src = input)
        fixed (byte* dst = _out)
        {
            var inBuf = new ZstdNative.Buffer { Data = src, Size = (nuint)input.Length, Pos = 0 };
            var outBuf = new ZstdNative.Buffer { Data = dst, Size = (nuint)_out.Length, Pos = 0 };
            var remaining = ZstdNative.Check(ZstdNative.CompressStream2(_ctx.DangerousGetHandle(), &outBuf, &inBuf, endOp), "compress");
            return ((int)inBuf.Pos, (int)outBuf.Pos, remaining);
        }
    }

    public override void Flush() => _inner.Flush();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _ctx.Dispose();
            if (!_leaveOpen)
            {
                _inner.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}

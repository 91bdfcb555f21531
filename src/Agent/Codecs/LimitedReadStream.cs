namespace EtcdAgent.Codecs;

/// <summary>Reads through <c>inner</c> and fails once more than <c>limit</c> bytes came out (bomb protection).</summary>
internal sealed class LimitedReadStream(Stream inner, long limit) : ReadOnlyStream
{
    private long _read;

    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    private int Count(int n)
    {
        _read += n;
        return _read > limit
            ? throw new InvalidDataException($"decoded output exceeds the limit of {limit} bytes: not a snapshot of this cluster's size, or a decompression bomb")
            : n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}

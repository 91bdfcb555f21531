using System.Collections.Concurrent;
using System.Threading.Channels;
using EtcdAgent.Codecs;

namespace EtcdAgent.Snapshots;

/// <summary>
/// Hands the snapshot stream from the download (one thread) to the encoder and upload (another) through a bounded
/// queue of 1 MiB buffers, so the two overlap on two cores while memory stays at Capacity MiB (4). The writer side is a
/// stream; the reader drains into a sink. A failure on either side reaches the other.
/// </summary>
internal sealed class BufferHandoff
{
    private const int BufferSize = 1 << 20;
    private readonly Channel<(byte[] Buffer, int Length)> _channel;

    // Our own free list, not ArrayPool.Shared: buffers are rented on the download thread and returned on the
    // encoder thread, and the shared pool's per-thread caches would then keep allocating fresh 1 MiB arrays on one
    // side while hoarding returned ones on the other (measured: RSS creeping up by tens of MB over a 1 GB stream).
    private readonly ConcurrentBag<byte[]> _free = [];
    private byte[]? _current;
    private int _filled;

    public BufferHandoff(int capacity = 4)
    {
        _channel = Channel.CreateBounded<(byte[], int)>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        Writer = new WriteSide(this);
    }

    /// <summary>Where the producer writes.</summary>
    public Stream Writer { get; }

    /// <summary>Sends what is buffered and tells the reader the stream ended.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        await PostAsync(cancellationToken).ConfigureAwait(false);
        _channel.Writer.TryComplete();
    }

    /// <summary>Ends the stream with an error: the reader's drain throws it.</summary>
    public void Fail(Exception error) => _channel.Writer.TryComplete(error);

    /// <summary>Feeds every buffer to <paramref name="sink"/> in order, returning each to the pool afterwards.</summary>
    public async Task DrainAsync(Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> sink, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var (buffer, length) in _channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await sink(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    _free.Add(buffer);
                }
            }
        }
        catch
        {
            // Unblock a producer waiting for room: it will fail its next write instead of hanging.
            // Not an OperationCanceledException: channels rethrow those as they are, and the writer must see a
            // ClosedException (which the spool tee knows how to survive), not a cancellation.
            _channel.Writer.TryComplete(new IOException("the encoder stopped"));
            while (_channel.Reader.TryRead(out var left))
            {
                _free.Add(left.Buffer);
            }

            throw;
        }
    }

    private async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            _current ??= _free.TryTake(out var reused) ? reused : new byte[BufferSize];
            var n = Math.Min(data.Length, BufferSize - _filled);
            data[..n].CopyTo(_current.AsMemory(_filled));
            _filled += n;
            data = data[n..];
            if (_filled == BufferSize)
            {
                await PostAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task PostAsync(CancellationToken cancellationToken)
    {
        if (_current is null || _filled == 0)
        {
            return;
        }

        var item = (_current, _filled);
        _current = null;
        _filled = 0;
        try
        {
            await _channel.Writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException ex)
        {
            _free.Add(item.Item1);
            throw new ClosedException(ex.InnerException ?? ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The reader side ended the channel with a cancellation of its own (verification failed).
            _free.Add(item.Item1);
            throw new ClosedException(ex);
        }
    }

    /// <summary>The reader side stopped (its own failure is the one to report).</summary>
    internal sealed class ClosedException(Exception inner) : IOException("the encoder stopped reading the snapshot stream", inner);

    private sealed class WriteSide(BufferHandoff owner) : WriteOnlyStream
    {
        public override bool CanWrite => true;

        public override void Write(byte[] buffer, int offset, int count) =>
            owner.WriteAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            owner.WriteAsync(buffer, cancellationToken);

        public override void Flush()
        {
        }
    }
}

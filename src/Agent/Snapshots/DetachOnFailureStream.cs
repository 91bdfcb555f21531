using EtcdAgent.Codecs;

namespace EtcdAgent.Snapshots;

/// <summary>
/// Forwards writes until the first one fails, then swallows the rest: the encoder side of the tee may die (the store
/// is down) without stopping the snapshot from reaching the spool file. The failure itself surfaces through the
/// encoder's task.
/// </summary>
internal sealed class DetachOnFailureStream(Stream inner) : WriteOnlyStream
{
    /// <summary>Whether a write failed and the stream stopped forwarding.</summary>
    public bool Detached { get; private set; }

    public override bool CanWrite => true;

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Detached)
        {
            return;
        }

        try
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (BufferHandoff.ClosedException)
        {
            Detached = true;
        }
    }

    public override void Flush()
    {
    }
}

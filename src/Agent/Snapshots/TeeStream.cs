using EtcdAgent.Codecs;

namespace EtcdAgent.Snapshots;

/// <summary>Writes everything to two streams in turn: the spool file and the encoder's handoff.</summary>
internal sealed class TeeStream(Stream first, Stream second) : WriteOnlyStream
{
    public override bool CanWrite => true;

    public override void Write(byte[] buffer, int offset, int count)
    {
        first.Write(buffer, offset, count);
        second.Write(buffer, offset, count);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await first.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        await second.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override void Flush()
    {
        first.Flush();
        second.Flush();
    }
}

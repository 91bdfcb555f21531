using EtcdAgent.Codecs;
using EtcdAgent.Diagnostics;

namespace EtcdAgent.Snapshots;

/// <summary>
/// Forwards writes to <paramref name="inner"/> and puts <paramref name="stage"/> on whatever they throw: the spool
/// file and the store's upload stream are written from inside other steps (the snapshot download, the encoder), and
/// their failures belong to the spool and the upload, not to the step that happened to call them. Never disposes
/// <paramref name="inner"/>; its owner does.
/// </summary>
internal sealed class StagedWriteStream(Stream inner, FailureStage stage) : WriteOnlyStream
{
    public override bool CanWrite => true;

    public override void Write(byte[] buffer, int offset, int count) => FailureStages.Run(stage, () => inner.Write(buffer, offset, count));

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            ex.At(stage);
            throw;
        }
    }

    public override void Flush() => FailureStages.Run(stage, inner.Flush);

    public override Task FlushAsync(CancellationToken cancellationToken) =>
        FailureStages.RunAsync(stage, () => inner.FlushAsync(cancellationToken));
}

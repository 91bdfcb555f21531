using System.Net;
using System.Net.Http.Headers;

namespace EtcdAgent.Protocol.Grpc;

/// <summary>
/// A request body that stays open while the caller writes messages. The HTTP stack hands us the stream once the
/// request headers are on their way; we flush at once and after every message, because etcd sends no response
/// headers until it has received a request message (etcd-wire.md §1: a StreamContent over a pipe deadlocks).
/// </summary>
internal sealed class DuplexRequestContent : HttpContent
{
    private readonly TaskCompletionSource<Stream> _stream = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _complete = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DuplexRequestContent()
    {
        Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
    }

    public Task<Stream> StreamTask => _stream.Task;

    /// <summary>Ends the request (END_STREAM) once the HTTP stack has written what we flushed.</summary>
    public void Complete() => _complete.TrySetResult();

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context,
        CancellationToken cancellationToken)
    {
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        _stream.TrySetResult(stream);
        using (cancellationToken.Register(() => _complete.TrySetResult()))
        {
            await _complete.Task.ConfigureAwait(false);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        _stream.TrySetCanceled();
        _complete.TrySetResult();
        base.Dispose(disposing);
    }
}

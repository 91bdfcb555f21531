using Google.Protobuf;

namespace EtcdAgent.Protocol.Grpc;

/// <summary>
/// A bidirectional streaming call. Write the first message before reading: etcd answers only after it has heard
/// from the client, and reading waits for the response headers.
/// </summary>
public sealed class DuplexStreamingCall<TRequest, TResponse> : IAsyncDisposable
    where TRequest : IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly CallScope _scope;
    private readonly Task<HttpResponseMessage> _sendTask;
    private readonly DuplexRequestContent _content;
    private readonly MessageParser<TResponse> _parser;
    private readonly int _maxMessageBytes;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private GrpcResponseReader<TResponse>? _reader;

    internal DuplexStreamingCall(CallScope scope, Task<HttpResponseMessage> sendTask, DuplexRequestContent content,
        MessageParser<TResponse> parser, int maxMessageBytes)
    {
        _scope = scope;
        _sendTask = sendTask;
        _content = content;
        _parser = parser;
        _maxMessageBytes = maxMessageBytes;
    }

    /// <summary>The endpoint this call talks to.</summary>
    public Uri Endpoint => _scope.Endpoint;

    /// <summary>Sends one message and flushes it onto the wire.</summary>
    public async Task WriteAsync(TRequest message)
    {
        var framed = GrpcFraming.Frame(message);
        var stream = await GetRequestStreamAsync().ConfigureAwait(false);
        try
        {
            await _writeLock.WaitAsync(_scope.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex)
        {
            throw _scope.Translate(ex, responseStarted: _sendTask.IsCompletedSuccessfully);
        }

        try
        {
            await stream.WriteAsync(framed, _scope.Token).ConfigureAwait(false);
            await stream.FlushAsync(_scope.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw _scope.Translate(ex, responseStarted: _sendTask.IsCompletedSuccessfully);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Half-closes the call: no more requests; responses may still arrive.</summary>
    public void CompleteRequests() => _content.Complete();

    /// <summary>The next response, or null when the server ended the call with OK.</summary>
    public async ValueTask<TResponse?> ReadAsync()
    {
        _reader ??= await GrpcResponseReader<TResponse>.OpenAsync(_scope, _sendTask, _parser, _maxMessageBytes)
            .ConfigureAwait(false);
        return await _reader.ReadAsync().ConfigureAwait(false);
    }

    private async Task<Stream> GetRequestStreamAsync()
    {
        var first = await Task.WhenAny(_content.StreamTask, _sendTask).ConfigureAwait(false);
        if (first != _content.StreamTask && !_sendTask.IsCompletedSuccessfully)
        {
            // The call ended before the request body could start (refused, TLS, connect timeout — the last one
            // completes the task as cancelled, not faulted): report that instead of waiting for a body that
            // will never be asked for.
            try
            {
                await _sendTask.ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                throw _scope.Translate(ex, responseStarted: false);
            }
        }

        try
        {
            return await _content.StreamTask.WaitAsync(_scope.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw _scope.Translate(ex, responseStarted: false);
        }
    }

    /// <summary>Ends the call, resetting the stream if it is still open.</summary>
    public async ValueTask DisposeAsync()
    {
        _content.Complete();
        _scope.Cancel();
        _reader?.Dispose();
        try
        {
            using var response = await _sendTask.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The call is being torn down; its outcome was already reported to the reader.
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        _content.Dispose();
        _writeLock.Dispose();
        _scope.Dispose();
    }
}

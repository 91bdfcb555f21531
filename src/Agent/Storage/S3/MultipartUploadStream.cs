using Amazon.S3;
using Amazon.S3.Model;
using EtcdAgent.Codecs;
using EtcdAgent.Configuration;
using Microsoft.Extensions.Logging;

namespace EtcdAgent.Storage.S3;

/// <summary>
/// A write-only stream that uploads what it is given as an S3 multipart upload: parts of PartSize, at most
/// PartsInFlight buffers in existence (one filling, the rest uploading), so memory is PartSize × PartsInFlight
/// whatever the object size (docs/architecture.md invariant 2). An object smaller than one part goes up as a single
/// PutObject. Parts are retried with backoff. <see cref="CompleteAsync"/> makes the object visible;
/// <see cref="AbortAsync"/> (with CancellationToken.None, STYLE.md 6) discards it.
/// </summary>
internal sealed partial class MultipartUploadStream : WriteOnlyStream, IEarlyFinish
{
    private const int PartAttempts = 3;
    private readonly IAmazonS3 _client;
    private readonly S3Options _options;
    private readonly string _key;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly BandwidthLimiter? _limiter;
    private readonly SemaphoreSlim _buffers;
    private readonly Stack<byte[]> _free = new();
    private readonly List<Task<PartETag>> _parts = [];
    private readonly CancellationTokenSource _abort = new();
    private byte[]? _current;
    private int _filled;
    private string? _uploadId;
    private bool _done;
    private bool _sealed;

    public MultipartUploadStream(IAmazonS3 client, S3Options options, string key, ILogger logger, TimeProvider time, BandwidthLimiter? limiter)
    {
        _client = client;
        _options = options;
        _key = key;
        _logger = logger;
        _time = time;
        _limiter = limiter;
        _buffers = new SemaphoreSlim(options.PartsInFlight, options.PartsInFlight);
    }

    /// <summary>Bytes accepted so far.</summary>
    public long Written { get; private set; }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        if (_sealed && !buffer.IsEmpty)
        {
            throw new InvalidOperationException("the final part was already sent; no more data can follow");
        }

        while (!buffer.IsEmpty)
        {
            if (_current is null)
            {
                await _buffers.WaitAsync(cancellationToken).ConfigureAwait(false);
                ThrowIfPartFailed();
                _current = _free.TryPop(out var reused) ? reused : new byte[_options.PartSize];
                _filled = 0;
            }

            var n = Math.Min(buffer.Length, _current.Length - _filled);
            buffer[..n].CopyTo(_current.AsMemory(_filled));
            _filled += n;
            Written += n;
            buffer = buffer[n..];
            if (_filled == _current.Length)
            {
                await SendCurrentAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public override bool CanWrite => !_done;

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
        // Parts go when full (codec layers flush often); SendFinalPartAsync and CompleteAsync end the object.
    }

    /// <summary>
    /// Sends the bytes buffered so far as the final part now, so it uploads while the caller finishes other work
    /// (the pipeline's structure check); no writes may follow. The object still becomes visible only in
    /// <see cref="CompleteAsync"/>. Before the first full part nothing is sent (it will be one PutObject).
    /// </summary>
    public async Task SendFinalPartAsync(CancellationToken cancellationToken)
    {
        if (_uploadId is not null && _current is not null && _filled > 0)
        {
            await SendCurrentAsync(cancellationToken).ConfigureAwait(false);
            _sealed = true;
        }
    }

    /// <summary>Uploads what remains and completes the object; it is visible once this returns.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        if (_uploadId is null)
        {
            // Never filled a part: one plain PutObject is cheaper and works on stores with no multipart at all.
            var put = new PutObjectRequest
            {
                BucketName = _options.Bucket,
                Key = _key,
                InputStream = new MemoryStream(_current ?? [], 0, _filled, writable: false),
                UseChunkEncoding = _options.ChunkedEncoding,
            };
            S3Requests.Apply(put, _options, _time);
            await Translated("uploading", () => _client.PutObjectAsync(put, cancellationToken)).ConfigureAwait(false);
            _done = true;
            return;
        }

        if (_current is not null && _filled > 0)
        {
            await SendCurrentAsync(cancellationToken).ConfigureAwait(false);
        }

        // Parts run on the abort token, not the caller's: waiting for them must still end when the caller cancels
        // (SIGTERM while a part hangs on a dead connection), so the caller's catch can abort the upload.
        var etags = await Task.WhenAll(_parts).WaitAsync(cancellationToken).ConfigureAwait(false);
        await Translated("completing the upload of", () => _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = _options.Bucket,
            Key = _key,
            UploadId = _uploadId,
            PartETags = [.. etags.OrderBy(p => p.PartNumber)],
        }, cancellationToken)).ConfigureAwait(false);
        _done = true;
    }

    /// <summary>Discards the upload: stops parts in flight and aborts it. Returns false if the store could not abort.</summary>
    public async Task<bool> AbortAsync()
    {
        if (_done)
        {
            return true;
        }

        _done = true;
        await _abort.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_parts).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Parts fail because we cancelled them or for the reason we are aborting; neither matters now.
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        if (_uploadId is null)
        {
            return true;
        }

        try
        {
            await _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest
            {
                BucketName = _options.Bucket,
                Key = _key,
                UploadId = _uploadId,
            }, CancellationToken.None).ConfigureAwait(false);
            return true;
        }
#pragma warning disable CA1031 // The upload already failed; a failed abort is reported, not thrown over the original error.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.AbortFailed(_logger, _key, _uploadId, S3Errors.Translate(ex, "abort", _options.Bucket).Message);
            return false;
        }
    }

    private async Task SendCurrentAsync(CancellationToken cancellationToken)
    {
        if (_uploadId is null)
        {
            var initiate = new InitiateMultipartUploadRequest { BucketName = _options.Bucket, Key = _key };
            S3Requests.Apply(initiate, _options, _time);
            _uploadId = (await Translated("starting the upload of", () => _client.InitiateMultipartUploadAsync(initiate, cancellationToken)).ConfigureAwait(false)).UploadId;
        }

        var buffer = _current!;
        var length = _filled;
        var number = _parts.Count + 1;
        _current = null;
        if (_limiter is not null)
        {
            // Averaged over parts: the part waits until the byte budget allows it, then goes at full speed.
            await _limiter.WaitAsync(length, cancellationToken).ConfigureAwait(false);
        }

        _parts.Add(Task.Run(() => UploadPartAsync(number, buffer, length), CancellationToken.None));
    }

    private async Task<PartETag> UploadPartAsync(int number, byte[] buffer, int length)
    {
        try
        {
            return await UploadPartWithRetriesAsync(number, buffer, length).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            // As in Translated: a broken connection is the store's failure, not a local file's.
            throw S3Errors.Translate(ex, $"uploading part {number} of {_key}", _options.Bucket);
        }
        finally
        {
            lock (_free)
            {
                _free.Push(buffer);
            }

            _buffers.Release();
        }
    }

    private async Task<PartETag> UploadPartWithRetriesAsync(int number, byte[] buffer, int length)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var response = await _client.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = _options.Bucket,
                    Key = _key,
                    UploadId = _uploadId,
                    PartNumber = number,
                    PartSize = length,
                    InputStream = new MemoryStream(buffer, 0, length, writable: false),
                    UseChunkEncoding = _options.ChunkedEncoding,
                }, _abort.Token).ConfigureAwait(false);
                return new PartETag(number, response.ETag);
            }
            catch (Exception ex) when (attempt < PartAttempts && !_abort.IsCancellationRequested && Retryable(ex))
            {
                var delay = TimeSpan.FromSeconds(Math.Pow(2, attempt - 1));
                Log.PartRetry(_logger, number, _key, attempt, delay.TotalSeconds, ex.Message);
                await Task.Delay(delay, _time, _abort.Token).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The SDK unwraps a broken connection's HttpRequestException to its IOException; raw, it would read as a local
    /// file error (exit 1) instead of an unreachable store (exit 8), and the writer's own IOExceptions must stay raw.
    /// </summary>
    private async Task<T> Translated<T>(string what, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            throw S3Errors.Translate(ex, $"{what} {_key}", _options.Bucket);
        }
    }

    private static bool Retryable(Exception ex) =>
        ex is not AmazonS3Exception s3 || (int)s3.StatusCode >= 500 || s3.StatusCode == System.Net.HttpStatusCode.RequestTimeout;

    private void ThrowIfPartFailed()
    {
        if (_parts.Find(p => p.IsFaulted) is { } failed)
        {
            failed.GetAwaiter().GetResult();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _abort.Dispose();
            _buffers.Dispose();
        }

        base.Dispose(disposing);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2100, Level = LogLevel.Warning, Message = "Part {Part} of {Key} failed (attempt {Attempt}), retrying in {DelaySeconds}s: {Reason}")]
        public static partial void PartRetry(ILogger logger, int part, string key, int attempt, double delaySeconds, string reason);

        [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "Could not abort the multipart upload of {Key} (upload id {UploadId}): {Reason}. Its parts stay in the bucket until `backup prune` (where the store can list uploads) or a bucket lifecycle rule removes them.")]
        public static partial void AbortFailed(ILogger logger, string key, string uploadId, string reason);
    }
}

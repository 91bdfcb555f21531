using System.Runtime.CompilerServices;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using EtcdAgent.Configuration;
using Microsoft.Extensions.Logging;

namespace EtcdAgent.Storage.S3;

/// <summary>
/// S3 or an S3-compatible service through AWSSDK.S3. Objects stream up through <see cref="MultipartUploadStream"/>;
/// keys get the configured prefix. Operations a store lacks (s3rver: abort, list uploads, Object Lock) surface as
/// <see cref="StoreFault.NotSupported"/> so callers warn instead of crashing.
/// </summary>
internal sealed class S3ObjectStore : IObjectStore
{
    private readonly IAmazonS3 _client;
    private readonly S3Options _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly BandwidthLimiter? _limiter;
    private readonly S3Protection _protection;

    public S3ObjectStore(IAmazonS3 client, S3Options options, ILogger logger, TimeProvider time)
    {
        _client = client;
        _options = options;
        _logger = logger;
        _time = time;
        _limiter = options.BandwidthLimit is { } limit ? new BandwidthLimiter(limit, time) : null;
        _protection = new S3Protection(client, options);
    }

    public string Location => $"s3://{_options.Bucket}/{_options.Prefix}".TrimEnd('/');

    public async Task ProbeAsync(CancellationToken cancellationToken)
    {
        // HeadBucket: existence and credentials in one cheap request. (A one-key listing would do too, but
        // s3rver 3.7.1 answers 500 to max-keys=1 under a prefix that holds objects.)
        try
        {
            await _client.HeadBucketAsync(new HeadBucketRequest { BucketName = _options.Bucket }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            throw new StoreException(StoreFault.NotFound, $"checking {Location}: bucket \"{_options.Bucket}\" does not exist; create it or fix store.s3.bucket", ex);
        }
        catch (Exception ex) when (ex is AmazonServiceException or HttpRequestException or AmazonClientException)
        {
            throw S3Errors.Translate(ex, $"checking {Location}", _options.Bucket);
        }
    }

    public async Task<long> UploadAsync(string key, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var full = Full(key);
        using var upload = new MultipartUploadStream(_client, _options, full, _logger, _time, _limiter);
        try
        {
            await write(upload, cancellationToken).ConfigureAwait(false);
            await upload.CompleteAsync(cancellationToken).ConfigureAwait(false);
            return upload.Written;
        }
        catch (Exception ex)
        {
            // Every failure, cancellation included; the abort itself ignores the token (STYLE.md 6).
            await upload.AbortAsync().ConfigureAwait(false);
            if (ex is AmazonServiceException or HttpRequestException or AmazonClientException)
            {
                throw S3Errors.Translate(ex, $"uploading {Location}/{key}", _options.Bucket);
            }

            throw;
        }
    }

    public async Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var request = new PutObjectRequest
        {
            BucketName = _options.Bucket,
            Key = Full(key),
            InputStream = new MemoryStream(content.ToArray(), writable: false),
            UseChunkEncoding = _options.ChunkedEncoding,
            ContentType = "application/json",
        };
        S3Requests.Apply(request, _options, _time);
        await Call($"writing {Location}/{key}", () => _client.PutObjectAsync(request, cancellationToken)).ConfigureAwait(false);
    }

    public async Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        var response = await Call($"reading {Location}/{key}",
            () => _client.GetObjectAsync(new GetObjectRequest { BucketName = _options.Bucket, Key = Full(key) }, cancellationToken)).ConfigureAwait(false);
        return new ResponseStream(response);
    }

    public async Task<Stream> OpenPayloadAsync(string key, CancellationToken cancellationToken)
    {
        var response = await Call($"reading {Location}/{key}",
            () => _client.GetObjectAsync(new GetObjectRequest { BucketName = _options.Bucket, Key = Full(key) }, cancellationToken)).ConfigureAwait(false);

        // When the ETag looks like an MD5 (a single-PUT object; s3rver's multipart ones too) the SDK hashes the body
        // with its managed MD5: 16 % of a 1 GB restore's CPU (perf, issue 21), for bytes BackupFetcher hashes with
        // sha256 and checks against the manifest anyway. Read the HTTP body under it.
        if (response.ResponseStream is Amazon.Runtime.Internal.Util.MD5Stream md5)
        {
            response.ResponseStream = md5.GetNonWrapperBaseStream();
        }

        return new ResponseStream(response);
    }

    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new ListObjectsV2Request { BucketName = _options.Bucket, Prefix = Full(prefix) };
        while (true)
        {
            var response = await Call($"listing {Location}/{prefix}", () => _client.ListObjectsV2Async(request, cancellationToken)).ConfigureAwait(false);
            foreach (var item in response.S3Objects ?? [])
            {
                yield return new StoredObject(Relative(item.Key), item.Size ?? 0, item.LastModified is { } modified ? new DateTimeOffset(modified.ToUniversalTime()) : DateTimeOffset.MinValue);
            }

            if (response.IsTruncated != true)
            {
                yield break;
            }

            request.ContinuationToken = response.NextContinuationToken;
        }
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken) =>
        Call($"deleting {Location}/{key}",
            () => _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _options.Bucket, Key = Full(key) }, cancellationToken));

    public async Task<IReadOnlyList<PendingUpload>> ListPendingUploadsAsync(string prefix, CancellationToken cancellationToken)
    {
        var response = await Call($"listing pending uploads in {Location}",
            () => _client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = _options.Bucket, Prefix = Full(prefix) }, cancellationToken)).ConfigureAwait(false);
        return (response.MultipartUploads ?? [])
            .Select(u => new PendingUpload(Relative(u.Key), u.UploadId, u.Initiated is { } started ? new DateTimeOffset(started.ToUniversalTime()) : DateTimeOffset.MinValue))
            .ToList();
    }

    public Task AbortPendingUploadAsync(PendingUpload upload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(upload);
        return Call($"aborting the pending upload of {Location}/{upload.Key}",
            () => _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _options.Bucket, Key = Full(upload.Key), UploadId = upload.UploadId }, cancellationToken));
    }

    public async Task<DateTimeOffset?> GetRetainUntilAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            switch (await _protection.ObjectLockEnabledAsync(cancellationToken).ConfigureAwait(false))
            {
                case null:
                    throw new StoreException(StoreFault.NotSupported, $"reading the retention of {Location}/{key}: this store does not implement Object Lock");
                case false:
                    return null;
            }

            var response = await _client.GetObjectRetentionAsync(new GetObjectRetentionRequest { BucketName = _options.Bucket, Key = Full(key) }, cancellationToken).ConfigureAwait(false);
            return response.Retention?.RetainUntilDate is { } until ? new DateTimeOffset(until.ToUniversalTime()) : null;
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode is "NoSuchObjectLockConfiguration" or "ObjectLockConfigurationNotFoundError")
        {
            return null;
        }
        catch (Exception ex) when (ex is AmazonServiceException or HttpRequestException)
        {
            throw S3Errors.Translate(ex, $"reading the retention of {Location}/{key}", _options.Bucket);
        }
    }

    public Task<long> OldVersionBytesAsync(string key, bool deleteOldVersions, CancellationToken cancellationToken) =>
        Call($"cleaning up old versions of {Location}/{key}", () => _protection.OldVersionBytesAsync(Full(key), deleteOldVersions, cancellationToken));

    public Task<StoreProtection> DescribeProtectionAsync(CancellationToken cancellationToken) =>
        Call($"reading versioning and Object Lock of {Location}", () => _protection.DescribeAsync(cancellationToken));

    public void Dispose() => _client.Dispose();

    private string Full(string key) => _options.Prefix.Length == 0 ? key : $"{_options.Prefix}/{key}";

    private string Relative(string key) =>
        _options.Prefix.Length > 0 && key.StartsWith(_options.Prefix + "/", StringComparison.Ordinal) ? key[(_options.Prefix.Length + 1)..] : key;

    private async Task<T> Call<T>(string what, Func<Task<T>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AmazonServiceException or HttpRequestException or AmazonClientException or IOException)
        {
            // IOException: the SDK unwraps a broken connection's HttpRequestException to it.
            throw S3Errors.Translate(ex, what, _options.Bucket);
        }
    }

    private async Task Call(string what, Func<Task> action) =>
        await Call<bool>(what, async () =>
        {
            await action().ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);

    /// <summary>The body of a GetObject response, disposing the response with it.</summary>
    private sealed class ResponseStream(GetObjectResponse response) : Codecs.ReadOnlyStream
    {
        private readonly Stream _body = response.ResponseStream;

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return await _body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonClientException ex) when (ex.Message.Contains("hash", StringComparison.OrdinalIgnoreCase))
            {
                // The SDK checks the body against the MD5/checksum the store recorded at upload.
                throw new InvalidDataException($"{response.Key}: the bytes the store returned do not match the checksum it recorded at upload ({ex.Message}): the object changed in the store. Use another backup.", ex);
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                throw new StoreException(StoreFault.Unavailable, $"reading {response.Key}: the connection to the store broke ({ex.Message}); retry", ex);
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                try
                {
                    response.Dispose();
                }
                catch (AmazonClientException ex) when (ex.Message.Contains("hash", StringComparison.OrdinalIgnoreCase))
                {
                    // The SDK re-checks the body's hash when the stream is closed early — typically because our own
                    // check (the stored sha256 against the manifest) has just failed. Throwing here would replace
                    // that precise error; a fully read body is always checked by us, so nothing is lost.
                }
            }

            base.Dispose(disposing);
        }
    }
}

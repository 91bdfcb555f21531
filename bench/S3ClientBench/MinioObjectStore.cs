using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using EtcdAgent.Configuration;
using EtcdAgent.Storage;
using Minio;
using Minio.DataModel.Args;
using Minio.Exceptions;

namespace EtcdAgent.Bench;

/// <summary>
/// The product's store contract over Minio 7.0.0, written to measure it against the AWSSDK.S3 store. Minio exposes no
/// public multipart calls (initiate, part, complete, abort by id): a stream of unknown length can only go through
/// PutObjectAsync, which picks its own part size and buffering, and a failed upload can only be cleaned up by object
/// name (RemoveIncompleteUpload), not by the upload's id.
/// </summary>
internal sealed class MinioObjectStore(IMinioClient client, S3Options options) : IObjectStore
{
    public string Location => $"s3://{options.Bucket}/{options.Prefix}".TrimEnd('/');

    public async Task ProbeAsync(CancellationToken cancellationToken)
    {
        if (!await client.BucketExistsAsync(new BucketExistsArgs().WithBucket(options.Bucket), cancellationToken).ConfigureAwait(false))
        {
            throw new StoreException(StoreFault.NotFound, $"checking {Location}: bucket \"{options.Bucket}\" does not exist");
        }
    }

    public async Task<long> UploadAsync(string key, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        // The writer pushes, Minio pulls: a pipe bounded to one part size between them.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: options.PartSize, resumeWriterThreshold: options.PartSize / 2));
        var args = new PutObjectArgs().WithBucket(options.Bucket).WithObject(Full(key))
            .WithStreamData(pipe.Reader.AsStream()).WithObjectSize(-1).WithContentType("application/octet-stream");
        var put = Task.Run(() => client.PutObjectAsync(args, cancellationToken), cancellationToken);
        var counter = new CountingStream(pipe.Writer.AsStream());
        try
        {
            await write(counter, cancellationToken).ConfigureAwait(false);
            await pipe.Writer.CompleteAsync().ConfigureAwait(false);
            await put.ConfigureAwait(false);
            return counter.Written;
        }
        catch (Exception ex)
        {
            await pipe.Writer.CompleteAsync(ex).ConfigureAwait(false);
            try
            {
                await put.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The upload's own failure; the writer's exception is the one to report.
            }

            await client.RemoveIncompleteUploadAsync(new RemoveIncompleteUploadArgs().WithBucket(options.Bucket).WithObject(Full(key)), CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    public async Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream(content.ToArray(), writable: false);
        await client.PutObjectAsync(new PutObjectArgs().WithBucket(options.Bucket).WithObject(Full(key))
            .WithStreamData(body).WithObjectSize(content.Length).WithContentType("application/json"), cancellationToken).ConfigureAwait(false);
    }

    public async Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        var pipe = new Pipe();
        _ = Task.Run(async () =>
        {
            try
            {
                await client.GetObjectAsync(new GetObjectArgs().WithBucket(options.Bucket).WithObject(Full(key))
                    .WithCallbackStream(async (body, ct) => await body.CopyToAsync(pipe.Writer.AsStream(), ct).ConfigureAwait(false)), cancellationToken).ConfigureAwait(false);
                await pipe.Writer.CompleteAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                await pipe.Writer.CompleteAsync(ex is ObjectNotFoundException ? new StoreException(StoreFault.NotFound, $"{key} not found", ex) : ex).ConfigureAwait(false);
            }
        }, cancellationToken);
        return await Task.FromResult(pipe.Reader.AsStream()).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var args = new ListObjectsArgs().WithBucket(options.Bucket).WithPrefix(Full(prefix)).WithRecursive(true);
        await foreach (var item in client.ListObjectsEnumAsync(args, cancellationToken).ConfigureAwait(false))
        {
            yield return new StoredObject(Relative(item.Key), (long)item.Size, item.LastModifiedDateTime is { } at ? new DateTimeOffset(at.ToUniversalTime()) : DateTimeOffset.MinValue);
        }
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken) =>
        client.RemoveObjectAsync(new RemoveObjectArgs().WithBucket(options.Bucket).WithObject(Full(key)), cancellationToken);

    public async Task<IReadOnlyList<PendingUpload>> ListPendingUploadsAsync(string prefix, CancellationToken cancellationToken)
    {
        var list = new List<PendingUpload>();
        var args = new ListIncompleteUploadsArgs().WithBucket(options.Bucket).WithPrefix(Full(prefix)).WithRecursive(true);
        await foreach (var upload in client.ListIncompleteUploadsEnumAsync(args, cancellationToken).ConfigureAwait(false))
        {
            list.Add(new PendingUpload(Relative(upload.Key), upload.UploadId, DateTimeOffset.TryParse(upload.Initiated, System.Globalization.CultureInfo.InvariantCulture, out var at) ? at : DateTimeOffset.MinValue));
        }

        return list;
    }

    public Task AbortPendingUploadAsync(PendingUpload upload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(upload);

        // By name only: every pending upload of this key goes, not just this id.
        return client.RemoveIncompleteUploadAsync(new RemoveIncompleteUploadArgs().WithBucket(options.Bucket).WithObject(Full(upload.Key)), cancellationToken);
    }

    public async Task<DateTimeOffset?> GetRetainUntilAsync(string key, CancellationToken cancellationToken)
    {
        var retention = await client.GetObjectRetentionAsync(new GetObjectRetentionArgs().WithBucket(options.Bucket).WithObject(Full(key)), cancellationToken).ConfigureAwait(false);
        return retention?.RetainUntilDate is { Length: > 0 } until ? DateTimeOffset.Parse(until, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    public void Dispose() => client.Dispose();

    private string Full(string key) => options.Prefix.Length == 0 ? key : $"{options.Prefix}/{key}";

    private string Relative(string key) =>
        options.Prefix.Length > 0 && key.StartsWith(options.Prefix + "/", StringComparison.Ordinal) ? key[(options.Prefix.Length + 1)..] : key;

    private sealed class CountingStream(Stream inner) : Stream
    {
        public long Written { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => Written; set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            inner.Write(buffer, offset, count);
            Written += count;
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            Written += buffer.Length;
        }
    }
}

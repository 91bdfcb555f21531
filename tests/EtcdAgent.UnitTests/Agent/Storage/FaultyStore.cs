using System.Runtime.CompilerServices;
using EtcdAgent.Codecs;
using EtcdAgent.Storage;

namespace EtcdAgent.UnitTests.Agent.Storage;

/// <summary>
/// <see cref="InMemoryStore"/> with outages to order: the upload stream refusing every write, manifests (PutAsync)
/// refused, listing refused. Each refusal is what S3 reports when it cannot be reached.
/// </summary>
internal sealed class FaultyStore(TimeProvider time) : IObjectStore
{
    public InMemoryStore Inner { get; } = new(time);

    public bool RefuseWrites { get; init; }

    public bool RefusePuts { get; init; }

    public bool RefuseLists { get; init; }

    public string Location => Inner.Location;

    public Task ProbeAsync(CancellationToken cancellationToken) => Inner.ProbeAsync(cancellationToken);

    public async Task<long> UploadAsync(string key, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        if (!RefuseWrites)
        {
            return await Inner.UploadAsync(key, write, cancellationToken);
        }

        await write(new RefusingStream(key), cancellationToken);
        throw Down($"completing {key}");
    }

    public Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        RefusePuts ? throw Down($"writing {key}") : Inner.PutAsync(key, content, cancellationToken);

    public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken) => Inner.OpenReadAsync(key, cancellationToken);

    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (RefuseLists)
        {
            throw Down($"listing {prefix}");
        }

        await foreach (var item in Inner.ListAsync(prefix, cancellationToken))
        {
            yield return item;
        }
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken) => Inner.DeleteAsync(key, cancellationToken);

    public Task<IReadOnlyList<PendingUpload>> ListPendingUploadsAsync(string prefix, CancellationToken cancellationToken) =>
        Inner.ListPendingUploadsAsync(prefix, cancellationToken);

    public Task AbortPendingUploadAsync(PendingUpload upload, CancellationToken cancellationToken) => Inner.AbortPendingUploadAsync(upload, cancellationToken);

    public Task<DateTimeOffset?> GetRetainUntilAsync(string key, CancellationToken cancellationToken) => Inner.GetRetainUntilAsync(key, cancellationToken);

    public void Dispose() => Inner.Dispose();

    private static StoreException Down(string what) =>
        new(StoreFault.Unavailable, $"{what}: cannot reach the store (taken down by the test)");

    private sealed class RefusingStream(string key) : WriteOnlyStream
    {
        public override bool CanWrite => true;

        public override void Write(byte[] buffer, int offset, int count) => throw Down($"uploading {key}");

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromException(Down($"uploading {key}"));

        public override void Flush()
        {
        }
    }
}

using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using EtcdAgent.Storage;

namespace EtcdAgent.UnitTests.Agent.Storage;

/// <summary>
/// A hand-written fake of the narrow store interface (STYLE.md 2) for pure-logic tests: objects in a dictionary,
/// optional Object Lock dates and pending uploads, and a log of deletions in order.
/// </summary>
internal sealed class InMemoryStore(TimeProvider time) : IObjectStore
{
    public ConcurrentDictionary<string, (byte[] Data, DateTimeOffset Modified)> Objects { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, DateTimeOffset> RetainUntil { get; } = new(StringComparer.Ordinal);

    public List<PendingUpload> Pending { get; } = [];

    public bool PendingSupported { get; set; } = true;

    public List<string> Deletions { get; } = [];

    public string Location => "memory://";

    public Task ProbeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<long> UploadAsync(string key, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await write(buffer, cancellationToken);
        Objects[key] = (buffer.ToArray(), time.GetUtcNow());
        return buffer.Length;
    }

    public Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        Objects[key] = (content.ToArray(), time.GetUtcNow());
        return Task.CompletedTask;
    }

    public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken) =>
        Objects.TryGetValue(key, out var item)
            ? Task.FromResult<Stream>(new MemoryStream(item.Data, writable: false))
            : throw new StoreException(StoreFault.NotFound, $"{key} not found");

    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        foreach (var (key, item) in Objects.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                yield return new StoredObject(key, item.Data.Length, item.Modified);
            }
        }
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        Deletions.Add(key);
        Objects.TryRemove(key, out _);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<PendingUpload>> ListPendingUploadsAsync(string prefix, CancellationToken cancellationToken) =>
        PendingSupported
            ? Task.FromResult<IReadOnlyList<PendingUpload>>(Pending.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)).ToList())
            : throw new StoreException(StoreFault.NotSupported, "listing uploads: NotImplemented");

    public Task AbortPendingUploadAsync(PendingUpload upload, CancellationToken cancellationToken)
    {
        Pending.Remove(upload);
        return Task.CompletedTask;
    }

    public Task<DateTimeOffset?> GetRetainUntilAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult(RetainUntil.TryGetValue(key, out var until) ? until : (DateTimeOffset?)null);

    public void Dispose()
    {
    }
}

using EtcdAgent.Configuration;
using EtcdAgent.Continuous;
using EtcdAgent.IntegrationTests.Fixtures;
using EtcdAgent.Manifests;
using EtcdAgent.Storage;
using Mvccpb;
using Xunit;

namespace EtcdAgent.IntegrationTests.Continuous;

/// <summary>
/// Continuous capture against a real etcd: a write generator (puts, deletes, multi-op Txns, leased keys, a lease
/// revoked, a range delete) records the revision etcd gave each of its writes; the captured segments, read back
/// through their manifests, must hold exactly those writes at exactly those revisions, with no hole.
/// </summary>
public sealed class SegmentCaptureTests : IDisposable
{
    private const string Cluster = "c1";
    private readonly TempDir _dir = new("etcd-agent-capture");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task EveryWriteLandsInASegmentAtItsRevisionWithoutAHole()
    {
        using var etcd = await EtcdCluster.StartAsync();
        using var client = etcd.Client();
        var endpoint = etcd.First.ClientUrl;
        var baseRevision = (await client.StatusAsync(endpoint)).Header.Revision;
        var baseId = BackupLayout.NewId(TimeProvider.System.GetUtcNow(), "n1", baseRevision);
        var store = new LocalDirectoryStore(_dir.File("store"));
        Directory.CreateDirectory(_dir.File("store"));
        using var writer = new SegmentWriter(Cluster, "n1", CompressionKind.Zstd, 1, key: null, store);
        var committed = new List<SegmentManifest>();
        var loop = new CaptureLoop(writer, new CaptureSettings(TimeSpan.FromMilliseconds(300), 64 * 1024), TimeProvider.System, new ListLogger<CaptureLoop>())
        {
            OnCommitted = m => { lock (committed) { committed.Add(m); } },
        };
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var capture = loop.RunAsync(RevisionWatch.ReadAsync(client, endpoint, baseRevision + 1, TimeProvider.System, stop.Token),
            baseId, baseRevision, baseRevision, stop.Token);

        var writes = await WriteGenerator.RunAsync(client);
        var last = writes.Max(w => w.Revision);
        while (LastCommitted(committed) < last && !stop.IsCancellationRequested)
        {
            await Task.Delay(50);
        }

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => capture);

        // Read back through the store, as a restore would: manifests listed, parsed, chained, payloads proven.
        var (chain, damaged) = await SegmentCatalog.LoadAsync(store, Cluster, baseId, baseRevision, TimeProvider.System.GetUtcNow().AddHours(-1), default);
        Assert.Empty(damaged);
        Assert.Empty(chain.Gaps);
        Assert.True(chain.LastRevision >= last, $"chain ends at {chain.LastRevision}, last write at {last}");
        Assert.True(chain.Path.Count >= 3, $"{chain.Path.Count} segments: the 64 KiB and 300 ms cuts should make several");
        var revisions = new List<RevisionEvents>();
        foreach (var segment in chain.Path)
        {
            revisions.AddRange(await SegmentReader.ReadAsync(store, segment, new Codecs.Encryption.Keyring([]), default));
        }

        Assert.Equal(Enumerable.Range((int)baseRevision + 1, revisions.Count).Select(r => (long)r), revisions.Select(r => r.Revision));
        var captured = revisions.SelectMany(r => r.Events.Select(e => new WriteGenerator.Write(r.Revision, e.Type, e.Kv.Key.ToStringUtf8(),
            e.Type == Event.Types.EventType.Put ? e.Kv.Value.ToStringUtf8() : null, e.Kv.Lease))).Where(w => w.Revision <= last).ToList();
        Assert.Equal(writes.OrderBy(w => w.Revision).ThenBy(w => w.Key, StringComparer.Ordinal),
            captured.OrderBy(w => w.Revision).ThenBy(w => w.Key, StringComparer.Ordinal));
        Assert.True(revisions.Zip(revisions.Skip(1)).All(p => p.First.ReceivedAt <= p.Second.ReceivedAt));
    }

    [Fact]
    public async Task AStartRevisionEtcdHasCompactedEndsTheWatchWithCompacted()
    {
        using var etcd = await EtcdCluster.StartAsync();
        using var client = etcd.Client();
        for (var i = 0; i < 10; i++)
        {
            await client.PutAsync($"/k{i}", "v");
        }

        var head = (await client.StatusAsync(etcd.First.ClientUrl)).Header.Revision;
        var compact = await etcd.EtcdctlAsync("compact", head.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0, compact.ExitCode);

        var error = await Assert.ThrowsAsync<CompactedException>(async () =>
        {
            await foreach (var _ in RevisionWatch.ReadAsync(client, etcd.First.ClientUrl, 2, TimeProvider.System, default))
            {
            }
        });
        Assert.Equal(head, error.CompactedAt);
    }

    private static long LastCommitted(List<SegmentManifest> committed)
    {
        lock (committed)
        {
            return committed.Count == 0 ? 0 : committed.Max(m => m.LastRevision);
        }
    }

}

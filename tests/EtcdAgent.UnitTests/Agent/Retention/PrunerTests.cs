using EtcdAgent.Configuration;
using EtcdAgent.Manifests;
using EtcdAgent.Retention;
using EtcdAgent.Storage;
using EtcdAgent.UnitTests.Agent.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Retention;

public sealed class PrunerTests
{
    private static readonly DateTimeOffset Start = new(2025, 1, 1, 2, 0, 0, TimeSpan.Zero);
    private static readonly string Sha = new('a', 64);

    [Fact]
    public async Task DeletesManifestBeforePayloadAndNeverMoreThanTheFractionPerRun()
    {
        var time = new FakeTimeProvider(Start);
        var store = new InMemoryStore(time);
        var ids = await AddBackupsAsync(store, time, count: 10, every: TimeSpan.FromHours(1));
        var options = Options(keepLast: 2, maxDeleteFraction: 0.5);

        var first = await new Pruner(store, options, time, NullLogger.Instance).PruneAsync(dryRun: false, default);

        Assert.Equal(5, first.Deleted.Count); // 8 expired, 10 × 0.5 allowed
        Assert.Equal(3, first.Deferred.Count);
        Assert.Equal(ids.Take(5), first.Deleted); // oldest first
        for (var i = 0; i < first.Deleted.Count; i++)
        {
            Assert.EndsWith($"{ids[i]}/manifest.json", store.Deletions[2 * i], StringComparison.Ordinal);
            Assert.EndsWith($"{ids[i]}/snapshot.db.zst", store.Deletions[(2 * i) + 1], StringComparison.Ordinal);
        }

        var second = await new Pruner(store, options, time, NullLogger.Instance).PruneAsync(dryRun: false, default);
        Assert.Equal(2, second.Deleted.Count); // 5 left × 0.5
        var catalog = await BackupCatalog.LoadAsync(store, "c", default);
        Assert.Equal(ids.TakeLast(3).Reverse(), catalog.Backups.Select(b => b.Id));
    }

    [Fact]
    public async Task ObjectsUnderObjectLockAreSkippedAndADryRunDeletesNothing()
    {
        var time = new FakeTimeProvider(Start);
        var store = new InMemoryStore(time);
        var ids = await AddBackupsAsync(store, time, count: 4, every: TimeSpan.FromDays(1));
        store.RetainUntil[$"c/{ids[0]}/snapshot.db.zst"] = time.GetUtcNow().AddDays(10);
        var options = Options(keepLast: 1, maxDeleteFraction: 1);

        var dry = await new Pruner(store, options, time, NullLogger.Instance).PruneAsync(dryRun: true, default);
        Assert.Equal(ids.Skip(1).Take(2), dry.Deleted);
        Assert.Single(dry.Locked);
        Assert.Empty(store.Deletions);

        var real = await new Pruner(store, options, time, NullLogger.Instance).PruneAsync(dryRun: false, default);
        Assert.Equal(ids.Skip(1).Take(2), real.Deleted);
        Assert.Contains(ids[0], real.Locked[0], StringComparison.Ordinal);
        Assert.True(store.Objects.ContainsKey($"c/{ids[0]}/manifest.json"));
    }

    [Fact]
    public async Task OrphansAndStaleUploadsGoOnlyAfterTheGracePeriod()
    {
        var time = new FakeTimeProvider(Start);
        var store = new InMemoryStore(time);
        await AddBackupsAsync(store, time, count: 1, every: TimeSpan.FromHours(1));
        var orphanId = BackupLayout.NewId(time.GetUtcNow(), "n1", 99);
        await store.PutAsync($"c/{orphanId}/snapshot.db.zst", new byte[5], default); // upload whose manifest never came
        await store.PutAsync("c/notes.txt", new byte[1], default); // not ours: left alone
        store.Pending.Add(new PendingUpload($"c/{orphanId}/snapshot.db", "u1", time.GetUtcNow()));
        var options = Options(keepLast: 5, maxDeleteFraction: 1);

        var early = await new Pruner(store, options, time, NullLogger.Instance).PruneAsync(dryRun: false, default);
        Assert.Empty(early.Orphans);
        Assert.Empty(early.PendingUploads);
        Assert.Contains(early.Warnings, w => w.Contains("notes.txt", StringComparison.Ordinal));

        time.Advance(TimeSpan.FromHours(25));
        var late = await new Pruner(store, options, time, NullLogger.Instance).PruneAsync(dryRun: false, default);
        Assert.Equal([$"c/{orphanId}/snapshot.db.zst"], late.Orphans);
        Assert.Equal([$"c/{orphanId}/snapshot.db"], late.PendingUploads);
        Assert.True(store.Objects.ContainsKey("c/notes.txt"));

        store.PendingSupported = false;
        var unsupported = await new Pruner(store, options, time, NullLogger.Instance).PruneAsync(dryRun: false, default);
        Assert.False(unsupported.PendingUploadsSupported);
        Assert.Contains(unsupported.Warnings, w => w.Contains("lifecycle rule", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnUnreadableManifestIsKeptAndReported()
    {
        var time = new FakeTimeProvider(Start);
        var store = new InMemoryStore(time);
        await AddBackupsAsync(store, time, count: 3, every: TimeSpan.FromHours(1));
        var broken = BackupLayout.NewId(Start.AddDays(-30), "n1", 1);
        await store.PutAsync($"c/{broken}/manifest.json", "{not json"u8.ToArray(), default);

        var report = await new Pruner(store, Options(keepLast: 1, maxDeleteFraction: 1), time, NullLogger.Instance).PruneAsync(false, default);

        Assert.True(store.Objects.ContainsKey($"c/{broken}/manifest.json"));
        Assert.Contains(report.Warnings, w => w.Contains("damaged manifest", StringComparison.Ordinal) && w.Contains(broken, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("newest")] // the edited manifest names the newest backup's payload
    [InlineData("../newest")] // the same through a ".." segment
    [InlineData("other-cluster")] // a payload of another cluster
    public async Task AManifestNamingAnotherBackupsObjectIsDamagedAndItsTargetIsNeverDeleted(string target)
    {
        var time = new FakeTimeProvider(Start);
        var store = new InMemoryStore(time);
        var ids = await AddBackupsAsync(store, time, count: 4, every: TimeSpan.FromHours(1));
        await store.PutAsync("d/x/snapshot.db.zst", new byte[10], default);
        var newestPayload = $"c/{ids[^1]}/snapshot.db.zst";
        var victimKey = target switch
        {
            "newest" => newestPayload,
            "../newest" => $"c/{ids[0]}/../{ids[^1]}/snapshot.db.zst",
            _ => "d/x/snapshot.db.zst",
        };
        var edited = (await BackupCatalog.ReadAsync(store, BackupLayout.ManifestKey("c", ids[0]), default)) with
        {
            Stored = new StoredInfo(victimKey, Sha, 10),
        };
        await store.PutAsync(BackupLayout.ManifestKey("c", ids[0]), edited.ToJson(), default);

        var report = await new Pruner(store, Options(keepLast: 1, maxDeleteFraction: 1), time, NullLogger.Instance).PruneAsync(false, default);

        Assert.True(store.Objects.ContainsKey(newestPayload));
        Assert.True(store.Objects.ContainsKey("d/x/snapshot.db.zst"));
        Assert.DoesNotContain(store.Deletions, d => d == victimKey);
        Assert.DoesNotContain(ids[0], report.Deleted);
        Assert.Equal(ids.Skip(1).Take(2), report.Deleted);
        var catalog = await BackupCatalog.LoadAsync(store, "c", default);
        var damaged = Assert.Single(catalog.Damaged);
        Assert.Equal(ids[0], damaged.Id);
        var refused = Assert.Throws<InvalidDataException>(() => catalog.Resolve(ids[0], "mem", "c"));
        Assert.Contains("damaged", refused.Message, StringComparison.Ordinal);
        Assert.Equal(ids[^1], catalog.Resolve("latest", "mem", "c").Id);
    }

    [Fact]
    public async Task AChainsSegmentsGoWithTheirBaseAndNeverWhileTheBaseIsKept()
    {
        var time = new FakeTimeProvider(Start);
        var store = new InMemoryStore(time);
        var ids = await AddBackupsAsync(store, time, count: 3, every: TimeSpan.FromHours(1));
        foreach (var id in ids)
        {
            await store.PutAsync($"c/{id}/segments/{SegmentName(101, 110)}.seg.zst", new byte[3], default);
            await store.PutAsync($"c/{id}/segments/{SegmentName(101, 110)}.json", new byte[3], default);
        }

        time.Advance(TimeSpan.FromDays(3)); // long past the orphan grace: kept chains are not orphans
        var report = await new Pruner(store, Options(keepLast: 2, maxDeleteFraction: 1), time, NullLogger.Instance).PruneAsync(dryRun: false, default);

        Assert.Equal([ids[0]], report.Deleted);
        Assert.Equal(2, report.DeletedSegmentObjects);
        Assert.Empty(report.Orphans);
        var expected = new[] { "manifest.json", "snapshot.db.zst", $"segments/{SegmentName(101, 110)}.json", $"segments/{SegmentName(101, 110)}.seg.zst" };
        Assert.Equal(expected.Select(e => $"c/{ids[0]}/{e}"), store.Deletions); // the base first, then its chain, manifests before payloads
        foreach (var id in ids.Skip(1))
        {
            Assert.True(store.Objects.ContainsKey($"c/{id}/segments/{SegmentName(101, 110)}.seg.zst"));
        }
    }

    [Fact]
    public async Task ABackupsBundleGoesWithItAndAKeptBackupsBundleStays()
    {
        var time = new FakeTimeProvider(Start);
        var store = new InMemoryStore(time);
        var ids = await AddBackupsAsync(store, time, count: 2, every: TimeSpan.FromHours(1), bundled: true);

        var report = await new Pruner(store, Options(keepLast: 1, maxDeleteFraction: 1), time, NullLogger.Instance).PruneAsync(dryRun: false, default);

        Assert.Equal([ids[0]], report.Deleted);
        Assert.Equal([$"c/{ids[0]}/manifest.json", $"c/{ids[0]}/snapshot.db.zst", $"c/{ids[0]}/bundle.tar.zst.enc"], store.Deletions);
        Assert.True(store.Objects.ContainsKey($"c/{ids[1]}/bundle.tar.zst.enc"));
    }

    private static string SegmentName(long first, long last) => EtcdAgent.Continuous.SegmentLayout.Name(first, last);

    private static AgentOptions Options(int keepLast, double maxDeleteFraction) => new()
    {
        Cluster = "c",
        Node = "n1",
        Etcd = new EtcdOptions(),
        Store = new StoreOptions { Kind = StoreKind.Local, LocalPath = "/unused" },
        Backup = new BackupOptions(),
        Retention = new RetentionOptions { KeepLast = keepLast, Daily = 0, Weekly = 0, Monthly = 0, MaxDeleteFraction = maxDeleteFraction },
    };

    private static async Task<List<string>> AddBackupsAsync(InMemoryStore store, FakeTimeProvider time, int count, TimeSpan every, bool bundled = false)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            // FakeTimeProvider only moves forward: step before every backup but the first, so the clock ends at the
            // newest backup's time.
            if (i > 0)
            {
                time.Advance(every);
            }

            var id = BackupLayout.NewId(time.GetUtcNow(), "n1", 100 + i);
            var payload = $"c/{id}/snapshot.db.zst";
            await store.PutAsync(payload, new byte[10], default);
            var manifest = new BackupManifest
            {
                FormatVersion = 1,
                Id = id,
                Cluster = new ClusterInfo("c", "1"),
                Source = new SourceInfo("1", "m1", "http://x"),
                Members = [],
                EtcdVersion = "3.4.23",
                Revision = 100 + i,
                RaftIndex = 1,
                RaftTerm = 1,
                Status = new StatusInfo(1, 100 + i, 1, 1, 1),
                Raw = new ContentInfo(Sha, 1),
                Stored = new StoredInfo(payload, Sha, 10),
                Codecs = new CodecInfo("zstd", 1, null, null),
                CreatedAt = time.GetUtcNow(),
                DurationSeconds = 1,
                AgentVersion = "test",
                Node = "n1",
            };
            if (bundled)
            {
                var bundle = $"c/{id}/bundle.tar.zst.enc";
                await store.PutAsync(bundle, new byte[5], default);
                manifest = manifest with { Bundle = new BundleInfo(bundle, Sha, 5, Sha, 9, "0123456789abcdef", "n1", [], [], []) };
            }

            await store.PutAsync(BackupLayout.ManifestKey("c", id), manifest.ToJson(), default);
            ids.Add(id);
        }

        return ids;
    }
}

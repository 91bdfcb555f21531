using Amazon.S3.Model;
using EtcdAgent.Configuration;
using EtcdAgent.Doctor;
using EtcdAgent.IntegrationTests.Fixtures;
using EtcdAgent.Manifests;
using EtcdAgent.Retention;
using EtcdAgent.Storage;
using EtcdAgent.Storage.S3;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace EtcdAgent.IntegrationTests.Storage;

/// <summary>
/// Versioned and Object Lock buckets on a real Ceph RGW (s3rver implements neither): prune never leaves deleted
/// backups' bytes behind silently, never lists delete-markered backups, skips locked backups with a warning instead
/// of failing, and doctor reports what the bucket does.
/// </summary>
[Collection(CephRgwFixture.Collection)]
public sealed class BucketProtectionTests(CephRgwFixture fixture)
{
    private const string Cluster = "c";

    private CephRgwNode Rgw => fixture.Rgw;

    [Fact]
    public async Task InAVersionedBucketPruneReportsTheBytesOldVersionsStillHoldAndListNeverShowsThem()
    {
        await Rgw.CreateBucketAsync("versions-keep");
        await Rgw.EnableVersioningAsync("versions-keep");
        var s3 = Rgw.Options("versions-keep");
        using var store = Store(s3);
        var ids = await AddBackupsAsync(store, 4);

        var report = await Pruner(store, s3).PruneAsync(dryRun: false, CancellationToken.None);

        Assert.Equal(ids.Take(2), report.Deleted);
        var held = await VersionBytesAsync("versions-keep", s3.Prefix);
        Assert.True(held > 2 * PayloadBytes, $"old versions hold {held} bytes");
        Assert.Equal(held - await LiveBytesAsync(store), report.OldVersionBytes);
        Assert.Contains(report.Warnings, w => w.Contains("store.s3.oldVersions: delete", StringComparison.Ordinal));
        var catalog = await BackupCatalog.LoadAsync(store, Cluster, CancellationToken.None);
        Assert.Equal(ids.Skip(2).Reverse(), catalog.Backups.Select(b => b.Id)); // delete markers hide the pruned ones
        Assert.Empty(catalog.Orphans);
    }

    [Fact]
    public async Task WithOldVersionsDeletePruneLeavesNothingOfTheDeletedBackups()
    {
        await Rgw.CreateBucketAsync("versions-delete");
        await Rgw.EnableVersioningAsync("versions-delete");
        var s3 = Rgw.Options("versions-delete") with { DeleteOldVersions = true };
        using var store = Store(s3);
        var ids = await AddBackupsAsync(store, 4);

        var report = await Pruner(store, s3).PruneAsync(dryRun: false, CancellationToken.None);

        Assert.Equal(2, report.Deleted.Count);
        Assert.Equal(0, report.OldVersionBytes);
        var versions = await Rgw.Client.ListVersionsAsync(new ListVersionsRequest { BucketName = "versions-delete" });
        Assert.DoesNotContain(versions.Versions ?? [], v => v.Key.Contains(ids[0], StringComparison.Ordinal) || v.Key.Contains(ids[1], StringComparison.Ordinal));
        Assert.Equal(await LiveBytesAsync(store), await VersionBytesAsync("versions-delete", s3.Prefix));
    }

    [Fact]
    public async Task ObjectLockRetentionIsSetOnUploadAndPruneSkipsLockedBackupsWithAWarning()
    {
        await Rgw.CreateBucketAsync("locked-bucket", objectLock: true);
        var s3 = Rgw.Options("locked-bucket") with { ObjectLockMode = "GOVERNANCE", ObjectLockDays = 1 };
        using var store = Store(s3);
        var ids = await AddBackupsAsync(store, 3);

        var until = await store.GetRetainUntilAsync($"{Cluster}/{ids[0]}/snapshot.db.zst", CancellationToken.None);
        Assert.NotNull(until);
        Assert.InRange(until!.Value, TimeProvider.System.GetUtcNow().AddHours(23), TimeProvider.System.GetUtcNow().AddDays(1).AddMinutes(5));

        var report = await Pruner(store, s3, maxDeleteFraction: 1).PruneAsync(dryRun: false, CancellationToken.None); // never throws

        Assert.Empty(report.Deleted);
        Assert.Equal(2, report.Locked.Count);
        Assert.Contains(report.Warnings, w => w.Contains("under Object Lock", StringComparison.Ordinal));
        var catalog = await BackupCatalog.LoadAsync(store, Cluster, CancellationToken.None);
        Assert.Equal(3, catalog.Backups.Count);
    }

    [Fact]
    public async Task DoctorReportsTheBucketsVersioningAndLockAndRefusesALockTheBucketCannotHonour()
    {
        await Rgw.CreateBucketAsync("doctor-locked", objectLock: true);
        await Rgw.CreateBucketAsync("doctor-plain");
        await Rgw.CreateBucketAsync("doctor-versioned");
        await Rgw.EnableVersioningAsync("doctor-versioned");

        var locked = await RunCheckAsync(Rgw.Options("doctor-locked") with { ObjectLockMode = "GOVERNANCE", ObjectLockDays = 1, DeleteOldVersions = true });
        Assert.Equal(CheckStatus.Pass, locked.Status);
        Assert.Contains("versioning enabled; Object Lock enabled", locked.Detail, StringComparison.Ordinal);

        var impossible = await RunCheckAsync(Rgw.Options("doctor-plain") with { ObjectLockMode = "COMPLIANCE", ObjectLockDays = 7 });
        Assert.Equal(CheckStatus.Fail, impossible.Status);
        Assert.Contains("Object Lock not enabled", impossible.Detail, StringComparison.Ordinal);
        Assert.Contains("every upload would fail", impossible.Fix, StringComparison.Ordinal);

        var versioned = await RunCheckAsync(Rgw.Options("doctor-versioned"));
        Assert.Equal(CheckStatus.Warn, versioned.Status);
        Assert.Contains("NoncurrentVersionExpiration", versioned.Fix, StringComparison.Ordinal);

        var plain = await RunCheckAsync(Rgw.Options("doctor-plain"));
        Assert.Equal((CheckStatus.Pass, "versioning off; Object Lock not enabled"), (plain.Status, plain.Detail));
    }

    private const int PayloadBytes = 1000;

    private static S3ObjectStore Store(S3Options options) =>
        new(S3ClientFactory.Create(options), options, new ListLogger<S3ObjectStore>(), TimeProvider.System);

    private static Pruner Pruner(IObjectStore store, S3Options s3, double maxDeleteFraction = 0.5) =>
        new(store, Options(s3, maxDeleteFraction), TimeProvider.System, NullLogger.Instance);

    private static AgentOptions Options(S3Options s3, double maxDeleteFraction = 0.5) => new()
    {
        Cluster = Cluster,
        Node = "n1",
        Etcd = new EtcdOptions(),
        Store = new StoreOptions { Kind = StoreKind.S3, S3 = s3 },
        Backup = new BackupOptions(),
        Retention = new RetentionOptions { KeepLast = 1, Daily = 0, Weekly = 0, Monthly = 0, MaxDeleteFraction = maxDeleteFraction },
    };

    private static async Task<CheckResult> RunCheckAsync(S3Options s3)
    {
        using var context = new DoctorContext
        {
            LoadOptions = () => Options(s3),
            ResolveConnection = _ => throw new InvalidOperationException("no etcd in this test"),
            Time = TimeProvider.System,
            Loggers = NullLoggerFactory.Instance,
            Options = Options(s3),
            StoreReachable = true,
        };
        return await new StoreProtectionCheck().RunAsync(context, CancellationToken.None);
    }

    /// <summary>Backups a day apart, oldest first: a payload of <see cref="PayloadBytes"/> and its manifest each.</summary>
    private static async Task<List<string>> AddBackupsAsync(S3ObjectStore store, int count)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            ids.Add(await StoredBackups.PutAsync(store, Cluster, TimeProvider.System.GetUtcNow().AddDays(i - count), 100 + i, PayloadBytes));
        }

        return ids;
    }

    private async Task<long> VersionBytesAsync(string bucket, string prefix)
    {
        var versions = await Rgw.Client.ListVersionsAsync(new ListVersionsRequest { BucketName = bucket, Prefix = prefix });
        return (versions.Versions ?? []).Where(v => v.IsDeleteMarker != true).Sum(v => v.Size ?? 0);
    }

    private static async Task<long> LiveBytesAsync(S3ObjectStore store)
    {
        long total = 0;
        await foreach (var item in store.ListAsync(string.Empty, CancellationToken.None))
        {
            total += item.Size;
        }

        return total;
    }
}

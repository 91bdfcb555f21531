using EtcdAgent.Doctor;
using EtcdAgent.IntegrationTests.Fixtures;
using Xunit;
using static EtcdAgent.IntegrationTests.Doctor.DoctorAssert;

namespace EtcdAgent.IntegrationTests.Doctor;

/// <summary>
/// Each doctor check against real etcd and real s3rver: once where it passes, once broken the way a first install
/// breaks it, asserting the fix it prints.
/// </summary>
public sealed class DoctorChecksTests(EtcdAndS3Fixture fixture) : IClassFixture<EtcdAndS3Fixture>, IDisposable
{
    private readonly TempDir _dir = new("etcd-agent-doctor");

    private DoctorHarness Harness => new(_dir);

    private string Etcd => DoctorHarness.Etcd(fixture.Cluster.Endpoints);

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task ConfigValidPassesAndNamesTheFile()
    {
        var config = Harness.WriteConfig(Etcd, Harness.LocalStore());

        var result = await Harness.RunAsync(config, "config valid");

        Status(CheckStatus.Pass, result);
        Assert.Contains(config, result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigValidFailsWithTheLoaderMessageAndLaterChecksSkip()
    {
        var config = Harness.WriteConfig(Etcd, Harness.LocalStore(), extra: "cluster: Not A Valid Name", name: "bad.yaml");
        File.WriteAllText(config, File.ReadAllText(config).Replace("cluster: doctor\n", string.Empty, StringComparison.Ordinal));
        using var context = Harness.Context(config);

        var outcomes = await DoctorRunner.RunAsync(DoctorRunner.AllChecks(), context, CancellationToken.None);

        Fails(outcomes[0].Result, "etcd-agent config check");
        Assert.Contains("Not A Valid Name", outcomes[0].Result.Detail, StringComparison.Ordinal);
        Assert.All(outcomes.Skip(1).SkipLast(1), o => Status(CheckStatus.Skip, o.Result));
    }

    [Fact]
    public async Task EtcdReachablePassesWithVersionAndLatency()
    {
        var result = await Harness.RunAsync(Harness.WriteConfig(Etcd, Harness.LocalStore()), "etcd reachable");

        Status(CheckStatus.Pass, result);
        Assert.Contains("(etcd 3.", result.Detail, StringComparison.Ordinal);
        Assert.Contains(" ms)", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EtcdReachableFailsWhenNothingListensAndMemberChecksSkip()
    {
        var config = Harness.WriteConfig(DoctorHarness.Etcd($"http://127.0.0.1:{FreePorts.Next()}"), Harness.LocalStore());
        using var context = Harness.Context(config);

        var outcomes = await DoctorRunner.RunAsync(DoctorRunner.AllChecks(), context, CancellationToken.None);
        var byName = outcomes.ToDictionary(o => o.Name, o => o.Result);

        Fails(byName["etcd reachable"], "start etcd or point etcd.endpoints at this node's client URL");
        foreach (var dependent in new[] { "member role and health", "permission to snapshot", "clock skew", "spool disk space" })
        {
            Status(CheckStatus.Skip, byName[dependent]);
        }

        Status(CheckStatus.Pass, byName["store reachable"]);
    }

    [Fact]
    public async Task MemberRoleAndHealthPassesForTheLeader()
    {
        var result = await Harness.RunAsync(Harness.WriteConfig(Etcd, Harness.LocalStore()), "member role and health");

        Status(CheckStatus.Pass, result);
        Assert.Contains("is a leader", result.Detail, StringComparison.Ordinal);
        Assert.Contains("no alarms", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MemberRoleAndHealthFailsWhenSeveralEndpointsAreConfigured()
    {
        var url = fixture.Cluster.First.ClientUrl.ToString().TrimEnd('/');
        var config = Harness.WriteConfig(DoctorHarness.Etcd($"{url},{url.Replace("127.0.0.1", "localhost", StringComparison.Ordinal)}"), Harness.LocalStore());

        var result = await Harness.RunAsync(config, "member role and health");

        Fails(result, "set etcd.endpoints to this node's own member only");
    }

    [Fact]
    public async Task PermissionToSnapshotPassesWithoutAuth()
    {
        var result = await Harness.RunAsync(Harness.WriteConfig(Etcd, Harness.LocalStore()), "permission to snapshot");

        Status(CheckStatus.Pass, result);
        Assert.Contains("without authentication", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StoreReachablePassesForS3AndALocalDirectory()
    {
        Status(CheckStatus.Pass, await Harness.RunAsync(Harness.WriteConfig(Etcd, fixture.S3.StoreYaml("doctor")), "store reachable"));
        Status(CheckStatus.Pass, await Harness.RunAsync(Harness.WriteConfig(Etcd, Harness.LocalStore(), name: "local.yaml"), "store reachable"));
    }

    [Fact]
    public async Task StoreReachableFailsForAMissingBucket()
    {
        var config = Harness.WriteConfig(Etcd, fixture.S3.StoreYaml("doctor", bucket: "no-such-bucket"));

        var result = await Harness.RunAsync(config, "store reachable");

        Fails(result, "create the bucket no-such-bucket or fix store.s3.bucket");
    }

    [Fact]
    public async Task StoreReachableFailsForAMissingDirectory()
    {
        var config = Harness.WriteConfig(Etcd, Harness.LocalStore(create: false));

        var result = await Harness.RunAsync(config, "store reachable");

        Fails(result, "mkdir -m 700");
    }

    [Fact]
    public async Task StoreRoundTripUploadsTwoPartsReadsBackAndDeletes()
    {
        var config = Harness.WriteConfig(Etcd, fixture.S3.StoreYaml("doctor-rt"));

        var result = await Harness.RunAsync(config, "store round trip");

        Status(CheckStatus.Pass, result);
        Assert.Contains("2-part multipart upload", result.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(Directory.GetFiles(Path.Combine(fixture.S3.DataDir, fixture.S3.Bucket), "*._S3rver_object", SearchOption.AllDirectories),
            f => f.Contains("/doctor-rt/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StoreRoundTripPassesForALocalDirectoryAndLeavesNothing()
    {
        var config = Harness.WriteConfig(Etcd, Harness.LocalStore());

        var result = await Harness.RunAsync(config, "store round trip");

        Status(CheckStatus.Pass, result);
        Assert.Empty(Directory.GetFileSystemEntries(_dir.File("store")));
    }

    [Fact]
    public async Task StoreRoundTripFailsWhenTheStoreRejectsChunkedUploads()
    {
        // s3rver accepts a HeadBucket but not aws-chunked bodies: the compatibility problem only a real upload shows.
        var store = fixture.S3.StoreYaml("doctor-chunked").Replace("chunkedEncoding: false", "chunkedEncoding: true", StringComparison.Ordinal);
        var config = Harness.WriteConfig(Etcd, store);

        var result = await Harness.RunAsync(config, "store round trip");

        Fails(result, "set store.s3.chunkedEncoding: false (now true)");
    }

    [Fact]
    public async Task EncryptionKeyWarnsThatAGoodKeyMustBeEscrowed()
    {
        var key = Harness.KeyFile();
        var config = Harness.WriteConfig(Etcd, Harness.LocalStore(), extra: $"  encryption:\n    keyFile: {key}");

        var result = await Harness.RunAsync(config, "encryption key");

        Status(CheckStatus.Warn, result);
        Assert.Contains("readable, private and 32 bytes", result.Detail, StringComparison.Ordinal);
        Assert.Contains("keep a copy of " + key + " outside this cluster", result.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EncryptionKeyFailsWhenOthersCanReadIt()
    {
        var key = Harness.KeyFile(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var config = Harness.WriteConfig(Etcd, Harness.LocalStore(), extra: $"  encryption:\n    keyFile: {key}");

        // config check refuses such a key too; doctor's own check must say the same with the chmod.
        var result = await Harness.RunAsync(config, "encryption key");

        Fails(result, $"chmod 600 {key}");
    }

    [Fact]
    public async Task EncryptionKeyFailsForAKeyOfTheWrongLength()
    {
        var key = Harness.KeyFile(bytes: 16);
        var config = Harness.WriteConfig(Etcd, Harness.LocalStore(), extra: $"  encryption:\n    keyFile: {key}");

        var result = await Harness.RunAsync(config, "encryption key");

        Fails(result, "etcd-agent key generate");
        Assert.Contains("16 bytes, not 32", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EncryptionKeyWarnsWhenBackupsAreNotEncrypted()
    {
        var result = await Harness.RunAsync(Harness.WriteConfig(Etcd, Harness.LocalStore()), "encryption key");

        Status(CheckStatus.Warn, result);
        Assert.Contains("NOT encrypted", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SpoolDiskSpacePassesOnTheTestDisk()
    {
        var result = await Harness.RunAsync(Harness.WriteConfig(Etcd, Harness.LocalStore()), "spool disk space");

        Status(CheckStatus.Pass, result);
        Assert.Contains("not created yet", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SpoolDiskSpaceFailsOnANearlyFullFilesystem()
    {
        var harness = new DoctorHarness(_dir) { FreeSpace = _ => 1000 };

        var result = await harness.RunAsync(harness.WriteConfig(Etcd, harness.LocalStore()), "spool disk space");

        Fails(result, "set backup.spoolDir to a filesystem with room");
        Assert.Contains("1.0 kB free", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClockSkewPassesWhenTheClocksAgree()
    {
        var result = await Harness.RunAsync(Harness.WriteConfig(Etcd, Harness.LocalStore()), "clock skew");

        Status(CheckStatus.Pass, result);
    }

    [Fact]
    public async Task ClockSkewWarnsAtSecondsAndFailsAtMinutes()
    {
        var config = Harness.WriteConfig(Etcd, Harness.LocalStore());

        var warn = await new DoctorHarness(_dir) { Time = new OffsetTimeProvider(TimeSpan.FromSeconds(-10)) }.RunAsync(config, "clock skew");
        var fail = await new DoctorHarness(_dir) { Time = new OffsetTimeProvider(TimeSpan.FromMinutes(5)) }.RunAsync(config, "clock skew");

        Status(CheckStatus.Warn, warn);
        Assert.Contains(" s from this machine's clock (more than 2 s)", warn.Detail, StringComparison.Ordinal);
        Assert.Contains("is +", warn.Detail, StringComparison.Ordinal);
        Fails(fail, "timedatectl set-ntp true");
        Assert.Contains("is -", fail.Detail, StringComparison.Ordinal);
        Assert.Contains("(more than 30 s)", fail.Detail, StringComparison.Ordinal);
    }
}

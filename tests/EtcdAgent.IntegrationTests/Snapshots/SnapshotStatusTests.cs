using System.Text.Json;
using EtcdAgent.IntegrationTests.Fixtures;
using EtcdAgent.Verification;
using Etcdserverpb;
using Google.Protobuf;
using Xunit;
using Xunit.Abstractions;

namespace EtcdAgent.IntegrationTests.Snapshots;

/// <summary>
/// `snapshot status` must equal etcdctl's on real etcd 3.4 databases of every shape, and `snapshot verify` must
/// accept them all. One etcd grows through the scenarios; each step is snapshotted and compared.
/// </summary>
public sealed class SnapshotStatusTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();

    private static readonly Dictionary<string, string?> Api3 = new() { ["ETCDCTL_API"] = "3" };

    [Fact]
    public async Task StatusEqualsEtcdctlAndVerifyPassesForEveryShapeOfDatabase()
    {
        using var cluster = await EtcdCluster.StartAsync();
        using var client = cluster.Client();
        await CompareAsync(cluster, "empty");

        var batch = new TxnRequest();
        for (var i = 0; i < 2000; i++)
        {
            batch.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8($"/registry/small/{i:D5}"), Value = ByteString.CopyFromUtf8($"v{i}") } });
            if (batch.Success.Count == 100)
            {
                await client.TxnAsync(batch);
                batch = new TxnRequest();
            }
        }

        await CompareAsync(cluster, "many-small-keys");

        var large = new byte[200_000];
        Random.Shared.NextBytes(large);
        for (var i = 0; i < 5; i++)
        {
            await client.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8($"/registry/large/{i}"), Value = ByteString.CopyFrom(large) });
        }

        await CompareAsync(cluster, "large-values-in-overflow-pages");

        await client.DeleteRangeAsync(new DeleteRangeRequest { Key = ByteString.CopyFromUtf8("/registry/small/00"), RangeEnd = ByteString.CopyFromUtf8("/registry/small/01") });
        var tombstoned = await CompareAsync(cluster, "tombstones");
        Assert.Equal(2000 - 1000 + 5, tombstoned.LiveKeys); // keys 00000..00999 deleted

        var revision = (await client.GetAsync("/x")).Header.Revision;
        Assert.Equal(0, (await cluster.EtcdctlAsync("compaction", revision.ToString(System.Globalization.CultureInfo.InvariantCulture))).ExitCode);
        await CompareAsync(cluster, "compacted");

        var lease = await client.LeaseGrantAsync(600);
        for (var i = 0; i < 10; i++)
        {
            await client.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8($"/registry/leased/{i}"), Value = ByteString.CopyFromUtf8("x"), Lease = lease.ID });
        }

        await CompareAsync(cluster, "leases");

        foreach (var step in new[]
                 {
                     new[] { "user", "add", "root", "--new-user-password=pw" }, ["user", "grant-role", "root", "root"],
                     ["user", "add", "bob", "--new-user-password=pw"], ["role", "add", "reader"], ["user", "grant-role", "bob", "reader"],
                 })
        {
            Assert.Equal(0, (await cluster.EtcdctlAsync(step)).ExitCode);
        }

        var withAuth = await CompareAsync(cluster, "auth-users-and-roles");
        Assert.True(withAuth.Buckets["authUsers"] >= 2);
        Assert.True(withAuth.Buckets["authRoles"] >= 1);
    }

    [Fact]
    public async Task AThreeMemberClustersSnapshotMatchesToo()
    {
        using var cluster = await EtcdCluster.StartAsync(members: 3);
        using var client = cluster.Client();
        for (var i = 0; i < 300; i++)
        {
            await client.PutAsync($"/registry/ha/{i}", new string('v', i));
        }

        var status = await CompareAsync(cluster, "three-members");
        Assert.Equal(3, status.Buckets["members"]);
    }

    /// <summary>Snapshots with etcdctl, compares the four fields, verifies; returns our status.</summary>
    private async Task<SnapshotStatus> CompareAsync(EtcdCluster cluster, string name)
    {
        var path = _dir.File(name + ".db");
        var save = await ProcessRunner.RunAsync("etcdctl", ["--endpoints", cluster.First.ClientUrl.ToString(), "snapshot", "save", path], Api3);
        Assert.True(save.ExitCode == 0, save.Stderr);
        var theirs = await ProcessRunner.RunAsync("etcdctl", ["snapshot", "status", path, "-w", "json"], Api3);
        Assert.True(theirs.ExitCode == 0, theirs.Stderr);
        using var expected = JsonDocument.Parse(theirs.Stdout);

        var report = await SnapshotVerifier.VerifyAsync(path, trailer: true, default);

        Assert.True(report.Valid, $"{name}: {report.Fault}");
        var status = report.Status!;
        Assert.Equal(expected.RootElement.GetProperty("hash").GetUInt32(), status.Hash);
        Assert.Equal(expected.RootElement.GetProperty("revision").GetInt64(), status.Revision);
        Assert.Equal(expected.RootElement.GetProperty("totalKey").GetInt64(), status.TotalKey);
        Assert.Equal(expected.RootElement.GetProperty("totalSize").GetInt64(), status.TotalSize);
        output.WriteLine($"{name}: {theirs.Stdout.Trim()} liveKeys={status.LiveKeys} pages={report.PagesInUse}");
        return status;
    }

    public void Dispose() => _dir.Dispose();
}

using System.Globalization;
using EtcdAgent.Configuration;
using EtcdAgent.Continuous;
using EtcdAgent.IntegrationTests.Fixtures;
using EtcdAgent.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace EtcdAgent.IntegrationTests.Continuous;

/// <summary>
/// Restore to a point, against real etcd: a full backup by the published binary, a chain captured while a write
/// generator runs, then for several revisions in the window a snapshot built by replay. Each must say that revision
/// (etcdctl snapshot status) and, restored and served by etcd, hold exactly what the original member returns for
/// `etcdctl get "" --prefix --rev=R`: keys, values, create and mod revisions, versions, leases.
/// </summary>
public sealed class PointInTimeTests : IDisposable
{
    private readonly TempDir _dir = new("etcd-agent-pitr");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task ASnapshotBuiltForARevisionHoldsExactlyWhatTheClusterHeldThen()
    {
        using var etcd = await EtcdCluster.StartAsync();
        using var client = etcd.Client();
        var storeDir = _dir.File("store");
        var (baseBackup, writes) = await CapturedChain.CaptureAsync(etcd, client, storeDir);
        var cluster = baseBackup.Cluster.Name;
        var store = new LocalDirectoryStore(storeDir);
        using var writer = new SegmentWriter(cluster, "n1", CompressionKind.Zstd, 1, key: null, store);
        var last = writes.Max(w => w.Revision);

        var (chain, damagedSegments) = await SegmentCatalog.LoadAsync(store, cluster, baseBackup, default);
        Assert.Empty(damagedSegments);
        Assert.Empty(chain.Gaps);
        var txnRevision = writes.GroupBy(w => w.Revision).First(g => g.Count() >= 3).Key;
        var revokeRevision = writes.Where(w => w.Type == Mvccpb.Event.Types.EventType.Delete).GroupBy(w => w.Revision).OrderByDescending(g => g.Count()).First().Key;
        long[] targets = [baseBackup.Revision, baseBackup.Revision + 1, txnRevision, revokeRevision - 1, revokeRevision, last];
        var builder = new PointInTimeBuilder(store, new Codecs.Encryption.Keyring([]), 1L << 30, TimeProvider.System, NullLoggerFactory.Instance)
        {
            EtcdBinary = null,
            RestoreBinary = null,
            WorkDir = _dir.Path,
            Environment = System.Environment.GetEnvironmentVariable,
        };
        var states = new HashSet<string>();
        foreach (var revision in targets.Distinct())
        {
            var file = _dir.File($"at-{revision}.db");
            var report = await builder.BuildAsync(baseBackup, chain, revision, file, overwrite: false, default);
            Assert.Equal(revision, report.Status!.Revision);

            var status = await etcd.EtcdctlAsync("snapshot", "status", file, "-w", "json");
            Assert.Contains($"\"revision\":{revision},", status.Stdout, StringComparison.Ordinal);
            var expected = await ServedSnapshot.AtRevisionAsync(etcd, revision);
            Assert.Contains(expected, kv => kv.StartsWith(Convert.ToBase64String("/before/0"u8), StringComparison.Ordinal));
            Assert.Equal(expected, await ServedSnapshot.KeyValuesAsync(_dir, file));
            states.Add(string.Join('\n', expected));
        }

        // Not one state compared six times: the targets lie on both sides of the writes, the Txn and the revoke.
        Assert.Equal(targets.Distinct().Count(), states.Count);

        // The same through the published binary: `backup download latest FILE --at-revision R`.
        var cli = _dir.File("cli.db");
        var download = await AgentBinary.RunAsync("backup", "download", "latest", cli, "--at-revision", txnRevision.ToString(CultureInfo.InvariantCulture),
            "--store", storeDir);
        Assert.True(download.ExitCode == 0, download.Stderr);
        Assert.Contains($"Snapshot at revision {txnRevision} written to {cli}", download.Stdout, StringComparison.Ordinal);
        Assert.Equal(await ServedSnapshot.AtRevisionAsync(etcd, txnRevision),
            await ServedSnapshot.KeyValuesAsync(_dir, cli));
        var beyond = await AgentBinary.RunAsync("backup", "download", "latest", _dir.File("beyond.db"), "--at-revision",
            (chain.LastRevision + 1000).ToString(CultureInfo.InvariantCulture), "--store", storeDir);
        Assert.Equal(2, beyond.ExitCode);
        Assert.Contains($"restorable windows: {baseBackup.Id}: {baseBackup.Revision}..{chain.LastRevision}", beyond.Stderr, StringComparison.Ordinal);

        // A second writer's copy of a revision that disagrees with the first: damage, reported, never replayed over.
        var keyring = new Codecs.Encryption.Keyring([]);
        var k = Enumerable.Range(1, chain.Path.Count - 1).First(i => chain.Path[i - 1].LastRevision > chain.Path[i - 1].FirstRevision);
        var s1 = chain.Path[k];
        var before = (await SegmentReader.ReadAsync(store, chain.Path[k - 1], keyring, default))[^1];
        var forged = before.Events.Select(e => e.Clone()).ToList();
        forged[0].Kv.Value = Google.Protobuf.ByteString.CopyFromUtf8("not what etcd wrote");
        await writer.WriteAsync(baseBackup.Id, baseBackup.Revision,
            [before with { Events = forged }, .. await SegmentReader.ReadAsync(store, s1, keyring, default)],
            before.Revision - 1 > baseBackup.Revision ? SegmentLayout.Name(before.Revision - 1, before.Revision - 1) : null, default);
        var (overlapped, _) = await SegmentCatalog.LoadAsync(store, cluster, baseBackup, default);
        var overlap = await Assert.ThrowsAsync<InvalidDataException>(() => builder.BuildAsync(baseBackup, overlapped, s1.LastRevision, _dir.File("overlap.db"), overwrite: false, default));
        Assert.Contains($"revision {before.Revision} differs between segments", overlap.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_dir.File("overlap.db")));

        // A segment edited in the store: the build stops with what is wrong and writes nothing.
        var edited = Path.Combine(storeDir, chain.Path[0].Stored.Key);
        var bytes = await File.ReadAllBytesAsync(edited);
        bytes[^5] ^= 0x40;
        await File.WriteAllBytesAsync(edited, bytes);
        var damaged = _dir.File("damaged.db");
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => builder.BuildAsync(baseBackup, chain, last, damaged, overwrite: false, default));
        Assert.Contains("changed in the store", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(damaged));
        Assert.Empty(Directory.EnumerateDirectories(_dir.Path, "pitr-*"));

        // A manifest someone dropped into the chain's folder is listed as damaged; the chain is unchanged.
        await File.WriteAllTextAsync(Path.Combine(storeDir, SegmentLayout.ChainPrefix(cluster, baseBackup.Id), "junk.json"), "{\"formatVersion\": 1}");
        var (again, damagedNow) = await SegmentCatalog.LoadAsync(store, cluster, baseBackup, default);
        Assert.Contains(damagedNow, d => d.Key.EndsWith("junk.json", StringComparison.Ordinal));
        Assert.Equal(chain.LastRevision, again.LastRevision);

        // A revision outside the window is refused before anything is fetched.
        await Assert.ThrowsAsync<ConfigurationException>(() => builder.BuildAsync(baseBackup, chain, chain.LastRevision + 1, damaged, overwrite: false, default));
    }
}

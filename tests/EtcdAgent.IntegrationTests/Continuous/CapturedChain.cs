using EtcdAgent.Configuration;
using EtcdAgent.Continuous;
using EtcdAgent.IntegrationTests.Fixtures;
using EtcdAgent.Manifests;
using EtcdAgent.Protocol.Etcd;
using EtcdAgent.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace EtcdAgent.IntegrationTests.Continuous;

/// <summary>
/// One real etcd with a full backup by the published binary in a local store and a chain of segments captured
/// (300 ms cuts) while the <see cref="WriteGenerator"/> runs: shared by the tests of a class, which only read the
/// store (a test that changes it works on a copy) and ask the member for past revisions.
/// </summary>
public sealed class CapturedChain : IAsyncLifetime
{
    public TempDir Dir { get; } = new("etcd-agent-chain");

    public EtcdCluster Etcd { get; private set; } = null!;

    public string StoreDir => Dir.File("store");

    internal BackupManifest Base { get; private set; } = null!;

    internal IReadOnlyList<WriteGenerator.Write> Writes { get; private set; } = [];

    internal SegmentChain Chain { get; private set; } = null!;

    public string Cluster => Base.Cluster.Name;

    public async Task InitializeAsync()
    {
        Etcd = await EtcdCluster.StartAsync();
        using var client = Etcd.Client();
        (Base, Writes) = await CaptureAsync(Etcd, client, StoreDir);
        var (chain, damaged) = await SegmentCatalog.LoadAsync(new LocalDirectoryStore(StoreDir), Cluster, Base, default);
        Assert.Empty(damaged);
        Assert.Empty(chain.Gaps);
        Chain = chain;
    }

    public Task DisposeAsync()
    {
        Etcd?.Dispose();
        Dir.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>What the original member held at <paramref name="revision"/>.</summary>
    public Task<List<string>> StateAtAsync(long revision) => ServedSnapshot.AtRevisionAsync(Etcd, revision);

    /// <summary>
    /// Twenty keys, a full backup of them by the published binary into <paramref name="storeDir"/>, then a chain of
    /// segments after it captured while the write generator runs, until every generated write is committed.
    /// </summary>
    internal static async Task<(BackupManifest Base, List<WriteGenerator.Write> Writes)> CaptureAsync(EtcdCluster etcd, EtcdClient client, string storeDir)
    {
        for (var i = 0; i < 20; i++)
        {
            await client.PutAsync($"/before/{i}", $"v{i}");
        }

        Directory.CreateDirectory(storeDir);
        // A spool of its own (RestoreHelpers.AgentAsync): one spool directory admits one backup at a time, and test classes run in parallel.
        var created = await Restore.RestoreHelpers.AgentAsync(["backup", "create", "--store", storeDir, "--endpoints", etcd.Endpoints, "-w", "json"]);
        Assert.True(created.ExitCode == 0, created.Stderr);
        var baseBackup = BackupManifest.Parse(System.Text.Encoding.UTF8.GetBytes(created.Stdout), "backup create output");
        var store = new LocalDirectoryStore(storeDir);

        var committed = 0L;
        using var writer = new SegmentWriter(baseBackup.Cluster.Name, "n1", CompressionKind.Zstd, 1, key: null, store);
        var loop = new CaptureLoop(writer, new CaptureSettings(TimeSpan.FromMilliseconds(300), 32 * 1024), TimeProvider.System, NullLogger.Instance)
        {
            OnCommitted = m => Interlocked.Exchange(ref committed, Math.Max(Interlocked.Read(ref committed), m.LastRevision)),
        };
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var capture = loop.RunAsync(RevisionWatch.ReadAsync(client, etcd.First.ClientUrl, baseBackup.Revision + 1, TimeProvider.System, stop.Token),
            baseBackup.Id, baseBackup.Revision, baseBackup.Revision, stop.Token);
        var writes = await WriteGenerator.RunAsync(client);
        var last = writes.Max(w => w.Revision);
        while (Interlocked.Read(ref committed) < last && !stop.IsCancellationRequested)
        {
            await Task.Delay(50);
        }

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => capture);
        return (baseBackup, writes);
    }
}

using EtcdAgent.Configuration;
using EtcdAgent.Protocol.Etcd;
using EtcdAgent.Snapshots;
using EtcdAgent.UnitTests.Agent.Storage;
using EtcdAgent.UnitTests.Agent.Verification;
using EtcdAgent.UnitTests.Protocol.Etcd;

namespace EtcdAgent.UnitTests.Agent.Snapshots;

/// <summary>One thing that goes wrong in a backup, each in a different step.</summary>
public enum StageFault
{
    None,
    EtcdRefusesStatus,
    EtcdRefusesLease,
    NodeLockHeld,
    SnapshotCut,
    TrailerMismatch,
    StructureCorrupt,
    SpoolNotADirectory,
    StoreRefusesWrites,
    StoreRefusesManifest,
    StoreRefusesList,
    KeyFileMissing,
}

/// <summary>
/// A backup's surroundings with one <see cref="StageFault"/> built in: a fake etcd, a <see cref="FaultyStore"/>, a
/// spool and a state directory under a temp dir, and options for the pipeline and the daemon (one agent per node
/// unless the fault is in the cluster lock; no leader delay; backups scheduled far in the future, no drills).
/// </summary>
internal sealed class StageRig : IAsyncDisposable
{
    private readonly string _dir;
    private readonly TestGrpcServer _etcd;
    private readonly DirectoryLock? _nodeLock;

    private StageRig(string dir, TestGrpcServer etcd, DirectoryLock? nodeLock, FaultyStore store, AgentOptions options)
    {
        _dir = dir;
        _etcd = etcd;
        _nodeLock = nodeLock;
        Store = store;
        Options = options;
        Client = new EtcdClient(new EtcdClientOptions { Endpoints = [etcd.Address] });
    }

    public AgentOptions Options { get; }

    public FaultyStore Store { get; }

    public EtcdClient Client { get; }

    public Uri Endpoint => _etcd.Address;

    public static async Task<StageRig> StartAsync(StageFault fault, Func<AgentOptions, AgentOptions>? adjust = null)
    {
        var dir = Directory.CreateTempSubdirectory("etcd-agent-stages").FullName;
        var snapshot = await File.ReadAllBytesAsync(SnapshotFixture.FixturePath(fault == StageFault.StructureCorrupt ? "corrupted-leaf-element.db" : "valid-small.db"));
        if (fault == StageFault.TrailerMismatch)
        {
            snapshot[^1] ^= 0xFF;
        }

        var refuse = fault switch
        {
            StageFault.EtcdRefusesStatus => "Status",
            StageFault.EtcdRefusesLease => "LeaseGrant",
            _ => null,
        };
        var etcd = await FakeEtcd.StartAsync(snapshot, refuse, cutSnapshot: fault == StageFault.SnapshotCut);
        var spool = Path.Combine(dir, "spool");
        if (fault == StageFault.SpoolNotADirectory)
        {
            await File.WriteAllTextAsync(spool, "a file where the spool directory should be");
        }
        else
        {
            Directory.CreateDirectory(spool);
        }

        var store = new FaultyStore(TimeProvider.System)
        {
            RefuseWrites = fault == StageFault.StoreRefusesWrites,
            RefusePuts = fault == StageFault.StoreRefusesManifest,
            RefuseLists = fault == StageFault.StoreRefusesList,
        };
        var options = new AgentOptions
        {
            Cluster = "unit",
            Node = "n1",
            Etcd = new EtcdOptions(),
            Store = new StoreOptions { Kind = StoreKind.Local, LocalPath = dir },
            Backup = new BackupOptions { SpoolDir = spool, KeyFile = fault == StageFault.KeyFileMissing ? Path.Combine(dir, "missing.key") : null },
            Retention = new RetentionOptions(),
            Schedule = new ScheduleOptions
            {
                Backup = "0 0 0 1 1 ? 2099",
                Drill = null,
                PerNode = fault != StageFault.EtcdRefusesLease,
                LeaderDelay = TimeSpan.Zero,
                StateDir = Path.Combine(dir, "state"),
            },
        };
        var nodeLock = fault == StageFault.NodeLockHeld ? DirectoryLock.TryTake(spool) : null;
        return new StageRig(dir, etcd, nodeLock, store, adjust?.Invoke(options) ?? options);
    }

    public async ValueTask DisposeAsync()
    {
        _nodeLock?.Dispose();
        Client.Dispose();
        Store.Dispose();
        await _etcd.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}

using EtcdAgent.Restore;
using EtcdAgent.Restore.Topology;

namespace EtcdAgent.UnitTests.Agent.Restore;

/// <summary>A member under a test's temp dir and an in-progress journal for it (way-out, rollback and service tests).</summary>
internal static class JournalSamples
{
    public static MemberConfig Member(string root) => new()
    {
        Name = "m1",
        DataDir = Path.Combine(root, "data"),
        PeerUrls = [new Uri("http://127.0.0.1:1")],
        ListenPeerUrls = [new Uri("http://127.0.0.1:1")],
        ListenClientUrls = [new Uri("http://127.0.0.1:1")],
        ClientUrls = [new Uri("http://127.0.0.1:1")],
        Source = "test",
    };

    public static RestoreJournal Journal(string root, TopologySpec topology) => new()
    {
        Id = "r1",
        StartedAt = DateTimeOffset.UnixEpoch,
        State = JournalState.InProgress,
        Token = "t",
        InitialCluster = "m1=http://127.0.0.1:1",
        SnapshotPath = "/nonexistent",
        SnapshotSha256 = "00",
        SnapshotRevision = 1,
        Bump = 0,
        RestoreBinary = "/bin/false",
        RestoreBinaryKind = "etcdctl",
        Topology = topology,
        Member = Member(root),
        ForceStart = false,
        Steps = RestoreSteps.For(apiServer: false, s => s),
    };
}

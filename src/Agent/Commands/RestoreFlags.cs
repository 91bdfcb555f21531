using System.CommandLine;
using EtcdAgent.Restore;

namespace EtcdAgent.Commands;

/// <summary>The flags of `etcd-agent restore`; etcd's own flag names where they mean the same thing.</summary>
internal sealed class RestoreFlags
{
    public Option<string?> Snapshot { get; } = new("--snapshot") { Description = "latest, a backup id (etcd-agent backup list), or a local snapshot file" };

    public Option<string?> SnapshotSha256 { get; } = new("--snapshot-sha256") { Description = "Refuse unless the snapshot has this sha256 (the other members of an HA restore get it from the first)" };

    public Option<string> Topology { get; } = new("--topology") { Description = "auto, kubeadm (static pods), systemd (etcd unit) or explicit (flags only)", DefaultValueFactory = _ => "auto" };

    public Option<string> ManifestsDir { get; } = new("--manifests-dir") { Description = "kubeadm's static pod folder", DefaultValueFactory = _ => Restore.Topology.KubeadmTopology.DefaultManifestsDir };

    public Option<string> Unit { get; } = new("--unit") { Description = "etcd's systemd unit", DefaultValueFactory = _ => Restore.Topology.SystemdUnit.DefaultUnit };

    public Option<string?> UnitFile { get; } = new("--unit-file") { Description = "Read etcd's settings from this unit file instead of finding --unit" };

    public Option<string?> Name { get; } = new("--name") { Description = "This member's name (default: from the topology)" };

    public Option<string?> DataDir { get; } = new("--data-dir") { Description = "This member's data dir (default: from the topology)" };

    public Option<string?> WalDir { get; } = new("--wal-dir") { Description = "This member's separate WAL dir, if it has one" };

    public Option<string?> PeerUrls { get; } = new("--initial-advertise-peer-urls") { Description = "This member's peer URLs" };

    public Option<string?> ListenClientUrls { get; } = new("--listen-client-urls") { Description = "Where the member serves clients (for the port gate and health check)" };

    public Option<string?> ListenPeerUrls { get; } = new("--listen-peer-urls") { Description = "Where the member listens for peers (for the port gate)" };

    public Option<string?> InitialCluster { get; } = new("--initial-cluster") { Description = "NAME=PEER_URL,... of the restored cluster (default: the backup's members)" };

    public Option<string?> Token { get; } = new("--initial-cluster-token") { Description = "The restore's cluster token (default: a new random one; other members must get the first's)" };

    public Option<string?> RestoreBinary { get; } = new("--restore-binary") { Description = "etcdutl (3.5+) or etcdctl (3.4) to restore with (default: from PATH)" };

    public Option<long?> BumpRevision { get; } = new("--bump-revision") { Description = "Raise the revision by this much (default 1000000000 for Kubernetes when the binary can, else 0)" };

    public Option<bool> Kubernetes { get; } = new("--kubernetes") { Description = "The cluster backs Kubernetes (implied by kubeadm): bump the revision" };

    public Option<string?> StopCommand { get; } = new("--stop-command") { Description = "Shell command that stops etcd (default for systemd: systemctl stop UNIT)" };

    public Option<string?> StartCommand { get; } = new("--start-command") { Description = "Shell command that starts etcd (default for systemd: systemctl start UNIT)" };

    public Option<string?> StateDir { get; } = new("--state-dir") { Description = "Where journals and fetched snapshots go (default: schedule.stateDir, /var/lib/etcd-agent)" };

    public Option<string> StopTimeout { get; } = new("--stop-timeout") { Description = "How long to wait for the old member's ports to close", DefaultValueFactory = _ => "2m" };

    public Option<string> HealthTimeout { get; } = new("--health-timeout") { Description = "How long to wait for the restored member (and, in HA, a quorum) to be healthy", DefaultValueFactory = _ => "15m" };

    public Option<bool> ForceStart { get; } = new("--force-start") { Description = "Start even if an old member still answers (only when it is known to be fenced off)" };

    public Option<bool> WithBundle { get; } = new("--with-bundle")
    {
        Description = "Also put back the control-plane files (PKI, manifests, kubeconfigs, encryption config) stored beside the backup; differing ones are set aside, not lost",
    };

    public Option<bool> Yes { get; } = new("--yes") { Description = "Go ahead without asking" };

    public Option<bool> DryRun { get; } = new("--dry-run") { Description = "Fetch and verify the backup, print the plan, change nothing" };

    public Option<bool> Resume { get; } = new("--resume") { Description = "Finish an interrupted restore from its journal" };

    public Option<bool> Rollback { get; } = new("--rollback") { Description = "Undo the last restore: old member and manifests back exactly as they were" };

    public Option<bool> Abandon { get; } = new("--abandon")
    {
        Description = "End an unfinished restore's journal without undoing or finishing it (after repairing by hand); warns what stays where, asks (or --yes)",
    };

    /// <summary>--at-revision and --at-time: restore the cluster as it was at a point of the backup's chain.</summary>
    public PointInTimeFlags PointInTime { get; } = new();

    public IEnumerable<Option> All =>
    [
        Snapshot, SnapshotSha256, .. PointInTime.All, Topology, ManifestsDir, Unit, UnitFile, Name, DataDir, WalDir, PeerUrls, ListenClientUrls,
        ListenPeerUrls, InitialCluster, Token, RestoreBinary, BumpRevision, Kubernetes, StopCommand, StartCommand, StateDir,
        StopTimeout, HealthTimeout, ForceStart, WithBundle, Yes, DryRun, Resume, Rollback, Abandon,
    ];

    /// <summary>What --resume and --rollback take from this invocation over the journal.</summary>
    public ReplayOverrides Overrides(ParseResult parse) =>
        new(parse.GetValue(StopCommand), parse.GetValue(StartCommand), parse.GetValue(Name), parse.GetValue(DataDir), parse.GetValue(WalDir));

    public RestoreRequest Request(ParseResult parse, string snapshot, string stateDir) => new()
    {
        Snapshot = snapshot,
        SnapshotSha256 = parse.GetValue(SnapshotSha256),
        Topology = parse.GetValue(Topology)!,
        ManifestsDir = parse.GetValue(ManifestsDir)!,
        Unit = parse.GetValue(Unit)!,
        UnitFile = parse.GetValue(UnitFile),
        Name = parse.GetValue(Name),
        DataDir = parse.GetValue(DataDir),
        WalDir = parse.GetValue(WalDir),
        PeerUrls = parse.GetValue(PeerUrls),
        ListenClientUrls = parse.GetValue(ListenClientUrls),
        ListenPeerUrls = parse.GetValue(ListenPeerUrls),
        InitialCluster = parse.GetValue(InitialCluster),
        Token = parse.GetValue(Token),
        RestoreBinary = parse.GetValue(RestoreBinary),
        BumpRevision = parse.GetValue(BumpRevision),
        Kubernetes = parse.GetValue(Kubernetes),
        StopCommand = parse.GetValue(StopCommand),
        StartCommand = parse.GetValue(StartCommand),
        StateDir = stateDir,
        ForceStart = parse.GetValue(ForceStart),
        DryRun = parse.GetValue(DryRun),
        WithBundle = parse.GetValue(WithBundle),
    };
}

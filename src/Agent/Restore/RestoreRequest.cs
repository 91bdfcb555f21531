namespace EtcdAgent.Restore;

/// <summary>
/// Everything an operator decides for a restore, whether typed as flags or answered in the wizard: the two fill
/// the same record and run the same code.
/// </summary>
internal sealed record RestoreRequest
{
    /// <summary>latest, a backup id, or a local snapshot file.</summary>
    public required string Snapshot { get; init; }

    /// <summary>The sha256 the snapshot must have (printed for the other members of an HA restore), or null.</summary>
    public string? SnapshotSha256 { get; init; }

    /// <summary>auto, kubeadm, systemd or explicit.</summary>
    public string Topology { get; init; } = "auto";

    public string ManifestsDir { get; init; } = Restore.Topology.KubeadmTopology.DefaultManifestsDir;

    public string Unit { get; init; } = Restore.Topology.SystemdUnit.DefaultUnit;

    public string? UnitFile { get; init; }

    public string? Name { get; init; }

    public string? DataDir { get; init; }

    public string? WalDir { get; init; }

    public string? PeerUrls { get; init; }

    public string? ListenClientUrls { get; init; }

    public string? ListenPeerUrls { get; init; }

    public string? InitialCluster { get; init; }

    public string? Token { get; init; }

    public string? RestoreBinary { get; init; }

    /// <summary>Revision bump; null means 1,000,000,000 for Kubernetes and none otherwise.</summary>
    public long? BumpRevision { get; init; }

    public bool Kubernetes { get; init; }

    public string? StopCommand { get; init; }

    public string? StartCommand { get; init; }

    public required string StateDir { get; init; }

    public bool ForceStart { get; init; }

    public bool DryRun { get; init; }

    /// <summary>Also put back the control-plane files of the backup's recovery bundle (a backup from the store only).</summary>
    public bool WithBundle { get; init; }

    /// <summary>The client URLs the operator configured (--endpoints, environment or config file): the member they name.</summary>
    public IReadOnlyList<Uri> Endpoints { get; init; } = [];

    /// <summary>Where <see cref="Endpoints"/> came from, for messages ("the config file").</summary>
    public string EndpointsSource { get; init; } = "the configuration";
}

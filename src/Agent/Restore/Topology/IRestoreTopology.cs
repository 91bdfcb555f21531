namespace EtcdAgent.Restore.Topology;

/// <summary>
/// How the local etcd (and, on kubeadm, the API server) is stopped and started. Every operation is idempotent —
/// stopping what is stopped does nothing — because an interrupted restore resumes or rolls back by replaying them.
/// </summary>
internal interface IRestoreTopology
{
    /// <summary>kubeadm, systemd or explicit.</summary>
    string Kind { get; }

    MemberConfig Member { get; }

    /// <summary>What is needed to rebuild this topology from the journal.</summary>
    TopologySpec Spec { get; }

    /// <summary>True when the topology runs a kube-apiserver that must stay down until etcd is back.</summary>
    bool ManagesApiServer { get; }

    /// <summary>One line each, for the plan: how etcd is stopped and started here.</summary>
    string StopText { get; }

    string StartText { get; }

    Task StopApiServerAsync(CancellationToken cancellationToken);

    Task StartApiServerAsync(CancellationToken cancellationToken);

    Task StopEtcdAsync(CancellationToken cancellationToken);

    Task StartEtcdAsync(CancellationToken cancellationToken);
}

/// <summary>The journal's record of a topology: enough to stop and start the same things on resume or rollback.</summary>
internal sealed record TopologySpec(string Kind, string? ManifestsDir, string? AsideDir, string? StopCommand, string? StartCommand);

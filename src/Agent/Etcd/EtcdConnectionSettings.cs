namespace EtcdAgent.Etcd;

/// <summary>Where and how to reach etcd, after flags, environment and kubeadm detection were combined.</summary>
internal sealed record EtcdConnectionSettings
{
    public required IReadOnlyList<Uri> Endpoints { get; init; }

    public string? CaFile { get; init; }

    public string? CertFile { get; init; }

    public string? KeyFile { get; init; }

    public string? User { get; init; }

    /// <summary>Never logged or printed.</summary>
    public string? Password { get; init; }

    public TimeSpan DialTimeout { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Where the endpoints came from ("--endpoints", an environment variable, "kubeadm", "default").</summary>
    public string Source { get; init; } = "default";
}

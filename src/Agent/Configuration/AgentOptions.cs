using EtcdAgent.Codecs;

namespace EtcdAgent.Configuration;

/// <summary>The whole configuration (config.yaml + ETCD_AGENT_* overrides), validated. Shared by CLI and daemon.</summary>
internal sealed record AgentOptions
{
    /// <summary>Names this cluster's series in the store (object keys, manifests).</summary>
    public required string Cluster { get; init; }

    /// <summary>This machine's name in object keys and manifests.</summary>
    public required string Node { get; init; }

    /// <summary>The etcd section; null fields fall back to flags, environment and kubeadm detection.</summary>
    public required EtcdOptions Etcd { get; init; }

    public required StoreOptions Store { get; init; }

    public required BackupOptions Backup { get; init; }

    public required RetentionOptions Retention { get; init; }

    public ScheduleOptions Schedule { get; init; } = new();

    public DrillOptions Drill { get; init; } = new();

    /// <summary>host:port of the Prometheus/health endpoint of `run`; null turns it off.</summary>
    public string? MetricsAddress { get; init; } = OptionsDefaults.MetricsAddress;

    /// <summary>node_exporter textfile to rewrite (atomically) after every tick; null for none.</summary>
    public string? MetricsTextfile { get; init; }

    /// <summary>Where to POST failure and recovery events; null for none.</summary>
    public Uri? Webhook { get; init; }

    /// <summary>/healthz fails when the last success is older than this many schedule intervals.</summary>
    public double HealthTicks { get; init; } = 3;

    /// <summary>The file it came from, or null when built from defaults and flags alone.</summary>
    public string? SourceFile { get; init; }
}

/// <summary>How to reach etcd (the same meanings as the etcdctl-style flags, which override these).</summary>
internal sealed record EtcdOptions
{
    public IReadOnlyList<string> Endpoints { get; init; } = [];

    public string? CaCert { get; init; }

    public string? Cert { get; init; }

    public string? Key { get; init; }

    public string? User { get; init; }

    public string? PasswordFile { get; init; }

    public TimeSpan? DialTimeout { get; init; }

    public TimeSpan? CommandTimeout { get; init; }
}

/// <summary>Where backups go.</summary>
internal enum StoreKind
{
    /// <summary>A local (or mounted) directory.</summary>
    Local,

    /// <summary>S3 or an S3-compatible service.</summary>
    S3,
}

internal sealed record StoreOptions
{
    public required StoreKind Kind { get; init; }

    /// <summary>The directory of a local store.</summary>
    public string? LocalPath { get; init; }

    public S3Options? S3 { get; init; }
}

/// <summary>Where credentials for S3 come from.</summary>
internal enum CredentialSource
{
    /// <summary>The SDK's default chain: environment, shared files, container and instance roles (IAM).</summary>
    Default,

    /// <summary>AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN) only.</summary>
    Environment,

    /// <summary>A shared-credentials file (INI, mode 0600) and a profile in it.</summary>
    File,
}

internal sealed record S3Options
{
    public required string Bucket { get; init; }

    /// <summary>Key prefix without leading or trailing slash; may be empty.</summary>
    public string Prefix { get; init; } = string.Empty;

    public string Region { get; init; } = "us-east-1";

    /// <summary>An S3-compatible service's URL; null for AWS.</summary>
    public Uri? Endpoint { get; init; }

    public bool PathStyle { get; init; }

    public CredentialSource Credentials { get; init; } = CredentialSource.Default;

    public string? CredentialsFile { get; init; }

    public string CredentialsProfile { get; init; } = "default";

    /// <summary>Extra CA bundle (PEM) trusted for the endpoint's certificate.</summary>
    public string? CaBundle { get; init; }

    /// <summary>aws-chunked request bodies with streaming signatures; some stores (s3rver) need plain bodies.</summary>
    public bool ChunkedEncoding { get; init; }

    /// <summary>Send/validate flexible checksums only when the operation requires them (compatible stores).</summary>
    public bool ChecksumWhenRequired { get; init; } = true;

    /// <summary>null, "AES256" or "aws:kms".</summary>
    public string? ServerSideEncryption { get; init; }

    public string? KmsKeyId { get; init; }

    public string? StorageClass { get; init; }

    /// <summary>"GOVERNANCE" or "COMPLIANCE" with <see cref="ObjectLockDays"/>; null for none.</summary>
    public string? ObjectLockMode { get; init; }

    public int ObjectLockDays { get; init; }

    public long PartSize { get; init; } = OptionsDefaults.PartSize;

    public int PartsInFlight { get; init; } = OptionsDefaults.PartsInFlight;

    /// <summary>Upload bytes per second; null for unlimited.</summary>
    public long? BandwidthLimit { get; init; }
}

internal sealed record BackupOptions
{
    public CompressionKind Compression { get; init; } = CompressionKind.Zstd;

    public int Level { get; init; } = Codecs.Compression.DefaultZstdLevel;

    /// <summary>Encrypt new backups with this key; null for none.</summary>
    public string? KeyFile { get; init; }

    /// <summary>Older keys kept so backups made before a rotation stay readable.</summary>
    public IReadOnlyList<string> OldKeyFiles { get; init; } = [];

    public string SpoolDir { get; init; } = OptionsDefaults.SpoolDir;

    /// <summary>At most this many verified snapshots wait in the spool for the store; the oldest go first.</summary>
    public int SpoolMaxCount { get; init; } = OptionsDefaults.SpoolMaxCount;

    /// <summary>Largest snapshot a decode will produce (guards against decompression bombs).</summary>
    public long MaxSnapshotSize { get; init; } = OptionsDefaults.MaxSnapshotSize;
}

internal sealed record RetentionOptions
{
    public int KeepLast { get; init; } = OptionsDefaults.KeepLast;

    public int Hourly { get; init; }

    public int Daily { get; init; } = OptionsDefaults.Daily;

    public int Weekly { get; init; } = OptionsDefaults.Weekly;

    public int Monthly { get; init; } = OptionsDefaults.Monthly;

    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>At most this fraction of the backups is deleted in one run (a wrong clock must not wipe the store).</summary>
    public double MaxDeleteFraction { get; init; } = OptionsDefaults.MaxDeleteFraction;

    /// <summary>A payload without manifest younger than this may be an upload in progress; older is an orphan.</summary>
    public TimeSpan OrphanGrace { get; init; } = OptionsDefaults.OrphanGrace;
}

/// <summary>When the daemon works.</summary>
internal sealed record ScheduleOptions
{
    /// <summary>Backup schedule: 5-field cron or Quartz's 6/7-field form.</summary>
    public string Backup { get; init; } = OptionsDefaults.BackupSchedule;

    /// <summary>Prune schedule; null prunes after every backup this agent made.</summary>
    public string? Prune { get; init; }

    /// <summary>Restore drill schedule (daily by default); null when drills are off.</summary>
    public string? Drill { get; init; } = OptionsDefaults.DrillSchedule;

    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>Random delay added to each tick (spreads load; the fire time used for deduplication is unchanged).</summary>
    public TimeSpan Jitter { get; init; }

    /// <summary>perCluster (one writer per tick, elected through etcd) or perNode (every agent backs up its member).</summary>
    public bool PerNode { get; init; }

    /// <summary>How long the etcd leader waits before competing, so followers do the work when they can.</summary>
    public TimeSpan LeaderDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Where the daemon remembers the last tick it ran (for catching up a tick missed while down).</summary>
    public string StateDir { get; init; } = OptionsDefaults.StateDir;
}

/// <summary>How restore drills run (etcd-agent drill, and the daemon's drill schedule).</summary>
internal sealed record DrillOptions
{
    /// <summary>The etcd binary for the throwaway member; null looks for etcd on PATH (none: verify-only).</summary>
    public string? EtcdBinary { get; init; }

    /// <summary>etcdutl/etcdctl; null looks on PATH.</summary>
    public string? RestoreBinary { get; init; }

    /// <summary>Where the drill fetches and restores (needs three times the snapshot's size free).</summary>
    public string? WorkDir { get; init; }

    /// <summary>The whole drill's time limit.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>How many keys are read back and compared with the file.</summary>
    public int SampleKeys { get; init; } = 32;
}

/// <summary>Defaults, named once.</summary>
internal static class OptionsDefaults
{
    public const string ConfigPath = "/etc/etcd-agent/config.yaml";
    public const string SpoolDir = "/var/lib/etcd-agent/spool";
    public const string StateDir = "/var/lib/etcd-agent";
    public const int SpoolMaxCount = 3;
    public const string MetricsAddress = "127.0.0.1:9479";
    public const string BackupSchedule = "0 * * * *";
    public const string DrillSchedule = "30 4 * * *";
    public const long PartSize = 16L << 20;
    public const int PartsInFlight = 2;
    public const long MaxSnapshotSize = 64L << 30;
    public const int KeepLast = 10;
    public const int Daily = 7;
    public const int Weekly = 4;
    public const int Monthly = 6;
    public const double MaxDeleteFraction = 0.5;
    public static readonly TimeSpan OrphanGrace = TimeSpan.FromHours(24);
}

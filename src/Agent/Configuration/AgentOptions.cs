
namespace EtcdAgent.Configuration;

/// <summary>The whole configuration (config.yaml + ETCD_AGENT_* overrides), validated. Shared by CLI and daemon.</summary>
internal sealed record AgentOptions
{
    /// <summary>Where the CLI and the daemon look for the file when no --config or ETCD_AGENT_CONFIG names one.</summary>
    public const string DefaultConfigPath = "/etc/etcd-agent/config.yaml";

    public const string DefaultCluster = "default";

    public const string DefaultMetricsAddress = "127.0.0.1:9479";

    public const int DefaultHealthTicks = 3;

    /// <summary>Names this cluster's series in the store (object keys, manifests); <see cref="DefaultCluster"/> when unset.</summary>
    public required string Cluster { get; init; }

    /// <summary>This machine's name in object keys and manifests (the loader's default is the host name).</summary>
    public required string Node { get; init; }

    /// <summary>The etcd section; null fields fall back to flags, environment and kubeadm detection.</summary>
    public required EtcdOptions Etcd { get; init; }

    public required StoreOptions Store { get; init; }

    public required BackupOptions Backup { get; init; }

    public required RetentionOptions Retention { get; init; }

    public ScheduleOptions Schedule { get; init; } = new();

    public DrillOptions Drill { get; init; } = new();

    public ContinuousOptions Continuous { get; init; } = new();

    public BundleOptions Bundle { get; init; } = new();

    /// <summary>host:port of the Prometheus/health endpoint of `run`; null turns it off.</summary>
    public string? MetricsAddress { get; init; } = DefaultMetricsAddress;

    /// <summary>node_exporter textfile to rewrite (atomically) after every tick; null for none.</summary>
    public string? MetricsTextfile { get; init; }

    /// <summary>Where to POST failure and recovery events; null for none.</summary>
    public Uri? Webhook { get; init; }

    /// <summary>/healthz fails when the last success is older than this many schedule intervals.</summary>
    public double HealthTicks { get; init; } = DefaultHealthTicks;

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
    public const string DefaultRegion = "us-east-1";

    public const CredentialSource DefaultCredentialSource = CredentialSource.Default;

    public const string DefaultCredentialsProfile = "default";

    public const bool DefaultChecksumWhenRequired = true;

    // 8 MiB × 2 in flight: 16 MiB of part buffers, half of what 16 MiB parts cost, for a 1 GB snapshot 33 parts
    // instead of 17 (issue 21: backup create under 96 MB). 10,000 parts × 8 MiB is 80 GiB, ten times etcd's 8 GiB limit.
    public const long DefaultPartSize = 8L << 20;

    public const int DefaultPartsInFlight = 2;

    /// <summary>
    /// In a versioned bucket, prune leaves the deleted backups' old versions (and reports the bytes they hold) unless
    /// told to delete them: versioning is often turned on on purpose, as protection, and prune must not undo that.
    /// </summary>
    public const bool DefaultDeleteOldVersions = false;

    public required string Bucket { get; init; }

    /// <summary>Key prefix without leading or trailing slash; may be empty.</summary>
    public string Prefix { get; init; } = string.Empty;

    public string Region { get; init; } = DefaultRegion;

    /// <summary>An S3-compatible service's URL; null for AWS.</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>Path-style addressing; the loader turns it on by default when an <see cref="Endpoint"/> is set.</summary>
    public bool PathStyle { get; init; }

    public CredentialSource Credentials { get; init; } = DefaultCredentialSource;

    public string? CredentialsFile { get; init; }

    public string CredentialsProfile { get; init; } = DefaultCredentialsProfile;

    /// <summary>Extra CA bundle (PEM) trusted for the endpoint's certificate.</summary>
    public string? CaBundle { get; init; }

    /// <summary>
    /// aws-chunked request bodies with streaming signatures; some stores (s3rver) need plain bodies. The loader
    /// turns it on by default for AWS (no <see cref="Endpoint"/>) only.
    /// </summary>
    public bool ChunkedEncoding { get; init; }

    /// <summary>Send/validate flexible checksums only when the operation requires them (compatible stores).</summary>
    public bool ChecksumWhenRequired { get; init; } = DefaultChecksumWhenRequired;

    /// <summary>null, "AES256" or "aws:kms".</summary>
    public string? ServerSideEncryption { get; init; }

    public string? KmsKeyId { get; init; }

    public string? StorageClass { get; init; }

    /// <summary>"GOVERNANCE" or "COMPLIANCE" with <see cref="ObjectLockDays"/>; null for none.</summary>
    public string? ObjectLockMode { get; init; }

    public int ObjectLockDays { get; init; }

    public long PartSize { get; init; } = DefaultPartSize;

    public int PartsInFlight { get; init; } = DefaultPartsInFlight;

    /// <summary>Upload bytes per second; null for unlimited.</summary>
    public long? BandwidthLimit { get; init; }

    /// <summary>store.s3.oldVersions: delete — prune deletes every version of what it deletes (versioned buckets).</summary>
    public bool DeleteOldVersions { get; init; } = DefaultDeleteOldVersions;
}

internal sealed record BackupOptions
{
    public const CompressionKind DefaultCompression = CompressionKind.Zstd;

    /// <summary>
    /// Default zstd level (backup.level). On Kubernetes-like data level 1 stores 2.6% more than level 3 (263.0 vs
    /// 256.3 MB for 1.08 GB) for about half the CPU, and the pipeline shares two cores with etcd and the upload
    /// (docs/benchmarks.md); higher levels stay available.
    /// </summary>
    public const int DefaultZstdLevel = 1;

    /// <summary>gzip's fastest level: like zstd's default, backups favour speed over size.</summary>
    public const int DefaultGzipLevel = 1;

    public const string DefaultSpoolDir = "/var/lib/etcd-agent/spool";

    public const int DefaultSpoolMaxCount = 3;

    public const long DefaultMaxSnapshotSize = 64L << 30;

    public CompressionKind Compression { get; init; } = DefaultCompression;

    /// <summary>The compression level; <see cref="DefaultLevel"/> of the compression when unset.</summary>
    public int Level { get; init; } = DefaultLevel(DefaultCompression);

    /// <summary>Encrypt new backups with this key; null for none.</summary>
    public string? KeyFile { get; init; }

    /// <summary>Older keys kept so backups made before a rotation stay readable.</summary>
    public IReadOnlyList<string> OldKeyFiles { get; init; } = [];

    public string SpoolDir { get; init; } = DefaultSpoolDir;

    /// <summary>At most this many verified snapshots wait in the spool for the store; the oldest go first.</summary>
    public int SpoolMaxCount { get; init; } = DefaultSpoolMaxCount;

    /// <summary>Largest snapshot a decode will produce (guards against decompression bombs).</summary>
    public long MaxSnapshotSize { get; init; } = DefaultMaxSnapshotSize;

    /// <summary>The level a compression runs at when none is configured (none ignores its level).</summary>
    public static int DefaultLevel(CompressionKind kind) => kind == CompressionKind.Gzip ? DefaultGzipLevel : DefaultZstdLevel;
}

internal sealed record RetentionOptions
{
    public const int DefaultKeepLast = 10;

    public const int DefaultHourly = 0;

    public const int DefaultDaily = 7;

    public const int DefaultWeekly = 4;

    public const int DefaultMonthly = 6;

    public const double DefaultMaxDeleteFraction = 0.5;

    public static readonly TimeSpan DefaultOrphanGrace = TimeSpan.FromHours(24);

    /// <summary>The zone days, weeks and months are counted in.</summary>
    public static readonly TimeZoneInfo DefaultTimeZone = TimeZoneInfo.Utc;

    public int KeepLast { get; init; } = DefaultKeepLast;

    public int Hourly { get; init; } = DefaultHourly;

    public int Daily { get; init; } = DefaultDaily;

    public int Weekly { get; init; } = DefaultWeekly;

    public int Monthly { get; init; } = DefaultMonthly;

    public TimeZoneInfo TimeZone { get; init; } = DefaultTimeZone;

    /// <summary>At most this fraction of the backups is deleted in one run (a wrong clock must not wipe the store).</summary>
    public double MaxDeleteFraction { get; init; } = DefaultMaxDeleteFraction;

    /// <summary>A payload without manifest younger than this may be an upload in progress; older is an orphan.</summary>
    public TimeSpan OrphanGrace { get; init; } = DefaultOrphanGrace;
}

/// <summary>When the daemon works.</summary>
internal sealed record ScheduleOptions
{
    /// <summary>Hourly, on the hour.</summary>
    public const string DefaultBackup = "0 * * * *";

    /// <summary>Daily at 04:30, away from the hour the backups start on.</summary>
    public const string DefaultDrill = "30 4 * * *";

    public const bool DefaultPerNode = false;

    public const string DefaultStateDir = "/var/lib/etcd-agent";

    public static readonly TimeSpan DefaultJitter = TimeSpan.Zero;

    public static readonly TimeSpan DefaultLeaderDelay = TimeSpan.FromSeconds(2);

    /// <summary>The zone cron expressions are read in.</summary>
    public static readonly TimeZoneInfo DefaultTimeZone = TimeZoneInfo.Utc;

    /// <summary>Backup schedule: 5-field cron or Quartz's 6/7-field form.</summary>
    public string Backup { get; init; } = DefaultBackup;

    /// <summary>Prune schedule; null prunes after every backup this agent made.</summary>
    public string? Prune { get; init; }

    /// <summary>Restore drill schedule (daily by default); null when drills are off.</summary>
    public string? Drill { get; init; } = DefaultDrill;

    public TimeZoneInfo TimeZone { get; init; } = DefaultTimeZone;

    /// <summary>Random delay added to each tick (spreads load; the fire time used for deduplication is unchanged).</summary>
    public TimeSpan Jitter { get; init; } = DefaultJitter;

    /// <summary>perCluster (one writer per tick, elected through etcd) or perNode (every agent backs up its member).</summary>
    public bool PerNode { get; init; } = DefaultPerNode;

    /// <summary>How long the etcd leader waits before competing, so followers do the work when they can.</summary>
    public TimeSpan LeaderDelay { get; init; } = DefaultLeaderDelay;

    /// <summary>Where the daemon remembers the last tick it ran (for catching up a tick missed while down).</summary>
    public string StateDir { get; init; } = DefaultStateDir;
}

/// <summary>How restore drills run (etcd-agent drill, and the daemon's drill schedule).</summary>
internal sealed record DrillOptions
{
    public const int DefaultSampleKeys = 32;

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(15);

    /// <summary>The etcd binary for the throwaway member; null looks for etcd on PATH (none: verify-only).</summary>
    public string? EtcdBinary { get; init; }

    /// <summary>etcdutl/etcdctl; null looks on PATH.</summary>
    public string? RestoreBinary { get; init; }

    /// <summary>Where the drill fetches and restores (needs three times the snapshot's size free).</summary>
    public string? WorkDir { get; init; }

    /// <summary>The whole drill's time limit.</summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary>How many keys are read back and compared with the file.</summary>
    public int SampleKeys { get; init; } = DefaultSampleKeys;
}

/// <summary>
/// Continuous capture (opt-in): the agent holding the stream lock watches every write and stores it in segments
/// beside the newest full backup, so a restore can reach any revision up to seconds ago.
/// </summary>
internal sealed record ContinuousOptions
{
    public const bool DefaultEnabled = false;

    /// <summary>
    /// 2 MiB: under a heavy load (500 writes/s of 1-8 KiB) a segment is cut about every second instead of every 4, and the
    /// writer holds a segment three times (received, encoded, stored): 8 MiB kept it at 82-97 MiB, above issue 22's 64 MB.
    /// </summary>
    public const long DefaultMaxSegmentBytes = 2L << 20;

    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(5);

    public bool Enabled { get; init; } = DefaultEnabled;

    /// <summary>A segment is committed this long after its first revision arrived (the bound on the writes a dead writer loses).</summary>
    public TimeSpan Interval { get; init; } = DefaultInterval;

    /// <summary>...or as soon as its events reach this size.</summary>
    public long MaxSegmentBytes { get; init; } = DefaultMaxSegmentBytes;
}

/// <summary>
/// The control-plane recovery bundle (issue 23, opt-in): files a snapshot alone cannot bring back — the PKI, static pod
/// manifests, kubeconfigs and the API server's encryption provider config — archived beside each backup, always encrypted.
/// </summary>
internal sealed record BundleOptions
{
    public const bool DefaultEnabled = false;

    public const string DefaultRoot = "/";

    /// <summary>kubeadm's control-plane files; the encryption provider config is found from kube-apiserver.yaml.</summary>
    public static readonly IReadOnlyList<string> KubeadmInclude =
        ["/etc/kubernetes/pki/**", "/etc/kubernetes/manifests/*.yaml", "/etc/kubernetes/*.conf"];

    public bool Enabled { get; init; } = DefaultEnabled;

    /// <summary>The file system the include paths are read from ("/" on a node; a fake tree in tests).</summary>
    public string Root { get; init; } = DefaultRoot;

    /// <summary>Absolute patterns: a file, DIR/** (everything below DIR) or DIR/*.EXT (files of DIR by name).</summary>
    public IReadOnlyList<string> Include { get; init; } = KubeadmInclude;
}

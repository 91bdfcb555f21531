namespace EtcdAgent.Configuration.Settings;

// The shape of config.yaml as Microsoft.Extensions.Configuration binds it (through the binding source generator:
// no reflection, so the trimmed/AOT binary binds exactly as the tests do). Every value is bound as text and parsed by
// its concern's validator (Configuration/Validation), which knows the unit, the range and the words to use when it
// is wrong: the generator ignores TypeConverters, and a binder exception names neither the file line nor the fix.
// Defaults are not here but on the validated options records (AgentOptions.cs), stated once.
// ConfigSchema lists the same keys with their YAML spelling; ConfigSchemaTests holds the two equal.

/// <summary>The whole file, unvalidated.</summary>
internal sealed class AgentSettings
{
    public string? Cluster { get; set; }

    public string? Node { get; set; }

    public EtcdSettings Etcd { get; set; } = new();

    public StoreSettings Store { get; set; } = new();

    public BackupSettings Backup { get; set; } = new();

    public RetentionSettings Retention { get; set; } = new();

    public ScheduleSettings Schedule { get; set; } = new();

    public DrillSettings Drill { get; set; } = new();

    public ContinuousSettings Continuous { get; set; } = new();

    public BundleSettings Bundle { get; set; } = new();

    public MetricsSettings Metrics { get; set; } = new();

    public DaemonSettings Daemon { get; set; } = new();
}

/// <summary>etcd:</summary>
internal sealed class EtcdSettings
{
    public List<string> Endpoints { get; set; } = [];

    public string? CaCert { get; set; }

    public string? Cert { get; set; }

    public string? Key { get; set; }

    public string? User { get; set; }

    public string? PasswordFile { get; set; }

    public string? DialTimeout { get; set; }

    public string? CommandTimeout { get; set; }
}

/// <summary>store:</summary>
internal sealed class StoreSettings
{
    public string? Type { get; set; }

    public LocalStoreSettings Local { get; set; } = new();

    public S3Settings S3 { get; set; } = new();
}

/// <summary>store.local:</summary>
internal sealed class LocalStoreSettings
{
    public string? Path { get; set; }
}

/// <summary>store.s3:</summary>
internal sealed class S3Settings
{
    public string? Bucket { get; set; }

    public string? Prefix { get; set; }

    public string? Region { get; set; }

    public string? Endpoint { get; set; }

    public string? PathStyle { get; set; }

    public S3CredentialsSettings Credentials { get; set; } = new();

    public string? CaBundle { get; set; }

    public string? ChunkedEncoding { get; set; }

    public string? Checksum { get; set; }

    public string? Sse { get; set; }

    public string? KmsKeyId { get; set; }

    public string? StorageClass { get; set; }

    public ObjectLockSettings ObjectLock { get; set; } = new();

    public string? PartSize { get; set; }

    public string? PartsInFlight { get; set; }

    public string? BandwidthLimit { get; set; }

    public string? OldVersions { get; set; }
}

/// <summary>store.s3.credentials:</summary>
internal sealed class S3CredentialsSettings
{
    public string? Source { get; set; }

    public string? File { get; set; }

    public string? Profile { get; set; }
}

/// <summary>store.s3.objectLock:</summary>
internal sealed class ObjectLockSettings
{
    public string? Mode { get; set; }

    public string? Days { get; set; }
}

/// <summary>backup:</summary>
internal sealed class BackupSettings
{
    public string? Compression { get; set; }

    public string? Level { get; set; }

    public EncryptionSettings Encryption { get; set; } = new();

    public string? SpoolDir { get; set; }

    public string? SpoolMaxCount { get; set; }

    public string? MaxSnapshotSize { get; set; }
}

/// <summary>backup.encryption:</summary>
internal sealed class EncryptionSettings
{
    public string? KeyFile { get; set; }

    public List<string> OldKeyFiles { get; set; } = [];
}

/// <summary>retention:</summary>
internal sealed class RetentionSettings
{
    public string? KeepLast { get; set; }

    public string? Hourly { get; set; }

    public string? Daily { get; set; }

    public string? Weekly { get; set; }

    public string? Monthly { get; set; }

    public string? TimeZone { get; set; }

    public string? MaxDeleteFraction { get; set; }

    public string? OrphanGrace { get; set; }
}

/// <summary>schedule:</summary>
internal sealed class ScheduleSettings
{
    public string? Backup { get; set; }

    public string? Prune { get; set; }

    public string? Drill { get; set; }

    public string? TimeZone { get; set; }

    public string? Jitter { get; set; }

    public string? Mode { get; set; }

    public string? LeaderDelay { get; set; }

    public string? StateDir { get; set; }
}

/// <summary>drill:</summary>
internal sealed class DrillSettings
{
    public string? EtcdBinary { get; set; }

    public string? RestoreBinary { get; set; }

    public string? WorkDir { get; set; }

    public string? Timeout { get; set; }

    public string? SampleKeys { get; set; }
}

/// <summary>continuous:</summary>
internal sealed class ContinuousSettings
{
    public string? Enabled { get; set; }

    public string? Interval { get; set; }

    public string? MaxSegmentBytes { get; set; }
}

/// <summary>bundle:</summary>
internal sealed class BundleSettings
{
    public string? Enabled { get; set; }

    public string? Root { get; set; }

    public List<string> Include { get; set; } = [];
}

/// <summary>metrics:</summary>
internal sealed class MetricsSettings
{
    public string? Address { get; set; }

    public string? HealthTicks { get; set; }

    public string? Textfile { get; set; }
}

/// <summary>daemon:</summary>
internal sealed class DaemonSettings
{
    public string? Webhook { get; set; }
}

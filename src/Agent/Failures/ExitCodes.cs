namespace EtcdAgent.Failures;

/// <summary>
/// Process exit codes, documented in --help and README. Scripts and systemd rely on them: never renumber.
/// </summary>
internal static class ExitCodes
{
    /// <summary>Everything worked.</summary>
    public const int Success = 0;

    /// <summary>An error without a more specific code.</summary>
    public const int Failure = 1;

    /// <summary>Bad flags, configuration or local files (the message says which and how to fix it).</summary>
    public const int Usage = 2;

    /// <summary>etcd could not be reached (refused, timed out, TLS handshake failed).</summary>
    public const int Unavailable = 3;

    /// <summary>etcd refused the user or password, or denied the user permission.</summary>
    public const int AuthFailed = 4;

    /// <summary>etcd answered, but an endpoint is unhealthy (alarm, no leader, failed proposal).</summary>
    public const int Unhealthy = 5;

    /// <summary>Data failed verification (sha256 trailer, size, structure, a damaged manifest): do not use it.</summary>
    public const int Corrupt = 6;

    /// <summary>A local file cannot be read (missing, permission, a directory).</summary>
    public const int CannotRead = 7;

    /// <summary>The store could not be reached (network, DNS, TLS, timeout).</summary>
    public const int StoreUnavailable = 8;

    /// <summary>The store refused the credentials or denied the operation.</summary>
    public const int StoreDenied = 9;

    /// <summary>The backup, object, bucket or store directory does not exist.</summary>
    public const int NotInStore = 10;

    /// <summary>Another etcd-agent operation holds the lock (a backup in this cluster, a restore on this node, a file being written).</summary>
    public const int Busy = 11;

    /// <summary>A local disk is full (spool, work directory or output file); the message names the directory.</summary>
    public const int LocalDiskFull = 12;

    /// <summary>The store is full or over its quota.</summary>
    public const int StoreFull = 13;

    /// <summary>Interrupted (SIGINT/SIGTERM), by shell convention 128 + SIGINT.</summary>
    public const int Interrupted = 130;

    /// <summary>`run` with an invalid configuration (sysexits EX_CONFIG): systemd's RestartPreventExitStatus=78.</summary>
    public const int ConfigError = 78;

    public const string HelpText = """
        Exit codes: 0 success; 1 error without a more specific code; 2 bad flags, configuration or local file argument;
        3 etcd unreachable; 4 etcd authentication failed or permission denied; 5 an etcd endpoint is unhealthy;
        6 data failed verification (corrupt snapshot or object, damaged manifest); 7 a local file cannot be read;
        8 the store is unreachable; 9 the store refused the credentials or permission; 10 the backup, object, bucket
        or store directory does not exist; 11 another backup or restore holds the lock; 12 a local disk is full
        (spool, work directory, output); 13 the store is full or over quota; 78 `run` refused its configuration;
        130 interrupted.
        """;
}

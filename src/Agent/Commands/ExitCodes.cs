namespace EtcdAgent.Commands;

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

    /// <summary>Authentication failed or permission was denied.</summary>
    public const int AuthFailed = 4;

    /// <summary>etcd answered, but an endpoint is unhealthy (alarm, no leader, failed proposal).</summary>
    public const int Unhealthy = 5;

    /// <summary>Data failed verification (sha256 trailer, size, structure): do not use it.</summary>
    public const int Corrupt = 6;

    /// <summary>A local file cannot be read (missing, permission, a directory).</summary>
    public const int CannotRead = 7;

    /// <summary>Interrupted (SIGINT/SIGTERM), by shell convention 128 + SIGINT.</summary>
    public const int Interrupted = 130;

    /// <summary>`run` with an invalid configuration (sysexits EX_CONFIG): systemd's RestartPreventExitStatus=78.</summary>
    public const int ConfigError = 78;

    public const string HelpText = """
        Exit codes: 0 success; 1 error; 2 bad flags, configuration or local file; 3 etcd unreachable;
        4 authentication failed or permission denied; 5 an endpoint is unhealthy; 6 data failed verification
        (corrupt); 7 a local file cannot be read; 78 `run` refused its configuration; 130 interrupted.
        """;
}

using EtcdAgent.Configuration;
using EtcdAgent.Etcd;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace EtcdAgent.Restore;

/// <summary>
/// What one `restore` run was given, resolved once by the verb and handed to everything that needs it — the store,
/// the keyring and every etcd client (health wait, checks) — so none of them falls back to ETCD_AGENT_CONFIG or
/// /etc/etcd-agent/config.yaml when --config names another file.
/// </summary>
internal sealed record RestoreSession
{
    /// <summary>The configuration; null (<see cref="Resolved{T}.OrNull"/>) without a file or --store.</summary>
    public required Resolved<AgentOptions> Options { get; init; }

    /// <summary>Connection flags over environment over the configuration's etcd section (as every other verb).</summary>
    public required Resolved<EtcdConnectionSettings> Connection { get; init; }

    /// <summary>More key files to read backups with (--key-file), besides the configured ones.</summary>
    public IReadOnlyList<string> KeyFiles { get; init; } = [];

    /// <summary>
    /// Set for a point-in-time restore (--at-revision/--at-time): builds the snapshot for a backup id or latest into
    /// the restore's work dir instead of fetching the backup. The verb supplies it; Restore knows nothing of segments.
    /// </summary>
    public Func<string, string, CancellationToken, Task<FetchedSnapshot>>? BuildSnapshot { get; init; }

    /// <summary>Where journals and fetched snapshots go.</summary>
    public required string StateDir { get; init; }

    public required RestoreTimeouts Timeouts { get; init; }

    public required TimeProvider Time { get; init; }

    public required ILoggerFactory Loggers { get; init; }

    /// <summary>Environment variables (PATH for the restore binary, HOSTNAME for systemd's %H).</summary>
    public required Func<string, string?> Environment { get; init; }

    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    /// <summary>The interactive terminal, or null: prompts are only ever asked here.</summary>
    public IAnsiConsole? Terminal { get; init; }

    /// <summary>Where the fetch shows its progress when no prompt may be asked: stderr when it is a terminal, else null.</summary>
    public IAnsiConsole? ProgressConsole { get; init; }
}

using EtcdAgent.Configuration;
using EtcdAgent.Etcd;
using EtcdAgent.Protocol.Etcd;
using Etcdserverpb;
using Microsoft.Extensions.Logging;

namespace EtcdAgent.Doctor;

/// <summary>
/// What the checks need from outside (each dependency a test must bend is settable) and what earlier checks found
/// for later ones: the options, the connection, a client that reached etcd, the local member's status.
/// </summary>
internal sealed class DoctorContext : IDisposable
{
    /// <summary>Loads and validates the configuration (throws <see cref="ConfigurationException"/>).</summary>
    public required Func<AgentOptions> LoadOptions { get; init; }

    /// <summary>Combines flags, environment and the config's etcd section into connection settings.</summary>
    public required Func<AgentOptions, EtcdConnectionSettings> ResolveConnection { get; init; }

    /// <summary>This machine's clock, compared with etcd's for skew.</summary>
    public required TimeProvider Time { get; init; }

    public required ILoggerFactory Loggers { get; init; }

    public Func<string, string?> Environment { get; init; } = _ => null;

    /// <summary>Bytes available to an unprivileged writer on the filesystem holding a path.</summary>
    public Func<string, long> FreeSpace { get; init; } = DiskSpace.Available;

    /// <summary>Where systemd units are looked for, in systemd's order of precedence.</summary>
    public IReadOnlyList<string>? UnitDirs { get; init; }

    /// <summary>Set by the config check.</summary>
    public AgentOptions? Options { get; set; }

    /// <summary>Set by the config check.</summary>
    public EtcdConnectionSettings? Settings { get; set; }

    /// <summary>Set by the etcd check when every endpoint answered; owned (disposed) by this context.</summary>
    public EtcdClient? Client { get; set; }

    /// <summary>The first configured endpoint's status: the member backups are taken from.</summary>
    public StatusResponse? LocalStatus { get; set; }

    /// <summary>Set by the store check when the store answered.</summary>
    public bool StoreReachable { get; set; }

    public void Dispose() => Client?.Dispose();
}

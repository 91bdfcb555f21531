using System.CommandLine;
using EtcdAgent.Configuration;
using EtcdAgent.Etcd;
using EtcdAgent.Protocol.Etcd;
using EtcdAgent.Restore.Topology;

namespace EtcdAgent.Commands;

/// <summary>
/// The configuration one `restore` run was given, loaded at most once and handed to everything that needs it — the
/// state dir, the store, and every etcd client (health wait, checks) — so none of them falls back to
/// ETCD_AGENT_CONFIG or /etc/etcd-agent/config.yaml when --config names another file.
/// </summary>
internal sealed class RestoreConfig(ParseResult parse, CliContext context, AgentFlags agent, ConnectionFlags connection)
{
    private bool _loaded;
    private AgentOptions? _options;
    private EtcdConnectionSettings? _connection;

    /// <summary>The configuration, or null when there is neither a file (--config, ETCD_AGENT_CONFIG, the default path) nor --store.</summary>
    public AgentOptions? Options
    {
        get
        {
            if (!_loaded)
            {
                var hasFile = parse.GetValue(agent.Config) is not null || context.Environment("ETCD_AGENT_CONFIG") is not null || File.Exists(OptionsDefaults.ConfigPath);
                _options = hasFile || parse.GetValue(agent.Store) is not null ? agent.Load(parse, context) : null;
                _loaded = true;
            }

            return _options;
        }
    }

    /// <summary>The configuration the store needs; the error says how to give one.</summary>
    public AgentOptions Required => Options ?? agent.Load(parse, context);

    /// <summary>Connection flags over environment over the configuration's etcd section (as every other verb).</summary>
    public EtcdConnectionSettings Connection => _connection ??= connection.Resolve(parse, context, Options?.Etcd);

    /// <summary>
    /// The client URLs the operator named (flag, environment or config file), which say which member is meant; the
    /// kubeadm and 127.0.0.1 defaults name nothing.
    /// </summary>
    public IReadOnlyList<Uri> NamedEndpoints =>
        Connection.Source == "default" || Connection.Source.StartsWith("kubeadm", StringComparison.Ordinal) ? [] : Connection.Endpoints;

    /// <summary>
    /// Clients for the restored member: the operator's connection settings, or on kubeadm the member's own CA and
    /// etcd's healthcheck client. Resolved when the first client is built, so a rollback (which builds none) does not
    /// depend on them.
    /// </summary>
    public Func<IReadOnlyList<Uri>, EtcdClient> ClientsFor(MemberConfig member)
    {
        ArgumentNullException.ThrowIfNull(member);
        return endpoints =>
        {
            var settings = Connection;
            if (settings.CaFile is null && member.TrustedCaFile is { } ca && KubeadmDetection.Detect(Path.GetDirectoryName(ca)!) is { } kubeadm)
            {
                settings = settings with { CaFile = kubeadm.CaFile, CertFile = kubeadm.CertFile, KeyFile = kubeadm.KeyFile };
            }

            return EtcdClientFactory.Create(settings with { Endpoints = endpoints }, context.Time, context.Loggers);
        };
    }
}

using System.CommandLine;
using EtcdAgent.Configuration;
using EtcdAgent.Etcd;
using EtcdAgent.Restore;

namespace EtcdAgent.Commands;

/// <summary>
/// Loads what one `restore` run was given exactly once — the configuration (--config, ETCD_AGENT_CONFIG, the
/// default path, --store) and the connection settings over it — for the <see cref="RestoreSession"/>. A problem is
/// kept with the value, not thrown here: only what uses the value fails (see <see cref="Resolved{T}"/>).
/// </summary>
internal static class RestoreConfig
{
    public static Resolved<AgentOptions> LoadOptions(ParseResult parse, CliContext context, AgentFlags agent)
    {
        var given = parse.GetValue(agent.Config) is not null || context.Environment("ETCD_AGENT_CONFIG") is not null
                    || File.Exists(OptionsDefaults.ConfigPath) || parse.GetValue(agent.Store) is not null;
        try
        {
            return Resolved<AgentOptions>.Of(agent.Load(parse, context));
        }
        catch (ConfigurationException ex)
        {
            // Without a file or --store the load fails with the message that says how to give one: a restore from a
            // local snapshot file needs none, one from the store shows it.
            return given ? Resolved<AgentOptions>.Broken(ex) : Resolved<AgentOptions>.Missing(ex);
        }
    }

    public static Resolved<EtcdConnectionSettings> ResolveConnection(ParseResult parse, CliContext context, ConnectionFlags connection, Resolved<AgentOptions> options)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            return Resolved<EtcdConnectionSettings>.Of(connection.Resolve(parse, context, options.OrNull?.Etcd));
        }
        catch (ConfigurationException ex)
        {
            return Resolved<EtcdConnectionSettings>.Broken(ex);
        }
    }
}

using System.CommandLine;
using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Configuration;

namespace EtcdAgent.Commands;

/// <summary>
/// The flags of every verb that uses the configuration: --config, --store (override the store, or run without a
/// file), --key-file (more keys for reading backups made under older keys).
/// </summary>
internal sealed class AgentFlags
{
    public Option<string?> Config { get; } = new("--config")
    {
        Description = $"Configuration file (default {OptionsDefaults.ConfigPath} when it exists; ETCD_AGENT_CONFIG)",
    };

    public Option<string?> Store { get; } = new("--store")
    {
        Description = "Use this store instead of the configured one: an absolute directory or s3://BUCKET/PREFIX",
    };

    public Option<string[]> KeyFiles { get; } = new("--key-file")
    {
        Description = "Encryption key file to read backups with (repeatable; added to backup.encryption)",
    };

    /// <summary>Adds --config and --store (and --key-file when the verb reads backups) to a verb.</summary>
    public Command AddTo(Command command, bool readsBackups = false)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(Config);
        command.Options.Add(Store);
        if (readsBackups)
        {
            command.Options.Add(KeyFiles);
        }

        return command;
    }

    /// <summary>Loads and validates the configuration the flags point at.</summary>
    public AgentOptions Load(ParseResult parse, CliContext context)
    {
        var store = parse.GetValue(Store);
        var path = parse.GetValue(Config) ?? context.Environment("ETCD_AGENT_CONFIG");
        if (path is null && File.Exists(OptionsDefaults.ConfigPath))
        {
            path = OptionsDefaults.ConfigPath;
        }

        if (path is null && store is null)
        {
            throw new ConfigurationException(
                $"no configuration: pass --config FILE, create {OptionsDefaults.ConfigPath}, or pass --store DIR|s3://BUCKET/PREFIX (S3 settings then come from ETCD_AGENT_STORE__S3__* variables)");
        }

        return ConfigLoader.Load(path, context.Environment, store);
    }

    /// <summary>Every key that may read a backup: --key-file flags, then the configured key and its predecessors.</summary>
    public static Keyring Keyring(ParseResult parse, AgentFlags flags, AgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return KeyringService.Load(options.Backup, parse.GetValue(flags.KeyFiles)).Keyring;
    }
}

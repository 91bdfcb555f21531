using System.CommandLine;
using EtcdAgent.Failures;
using EtcdAgent.Output;

namespace EtcdAgent.Commands;

/// <summary>The verb tree (ARCHITECTURE.md "The CLI"); verbs appear here as they are built.</summary>
internal static class CliApp
{
    public static RootCommand Build(CliContext context)
    {
        var flags = new ConnectionFlags();
        var agent = new AgentFlags();
        var writeOut = OutputFormat.CreateOption();
        var root = new RootCommand("etcd-agent: verified etcd v3 backups and guided restores.\n\n" + ExitCodes.HelpText);
        foreach (var option in flags.All)
        {
            root.Options.Add(option);
        }

        root.Options.Add(writeOut);

        var endpoint = new Command("endpoint", "Look at individual etcd endpoints")
        {
            EndpointStatusCommand.Create(context, flags, writeOut),
            EndpointHealthCommand.Create(context, flags, writeOut),
        };
        var member = new Command("member", "Look at the cluster's membership")
        {
            MemberListCommand.Create(context, flags, writeOut),
        };
        var snapshot = new Command("snapshot", "Take and check etcd snapshots")
        {
            SnapshotSaveCommand.Create(context, flags, writeOut),
            SnapshotStatusCommand.Create(context, writeOut),
            SnapshotVerifyCommand.Create(context, writeOut),
        };
        root.Subcommands.Add(snapshot);
        var backup = new Command("backup", "Create, list, fetch, verify and prune backups in the store")
        {
            agent.AddTo(BackupCreateCommand.Create(context, flags, agent, writeOut)),
            agent.AddTo(BackupListCommand.Create(context, agent, writeOut)),
            agent.AddTo(BackupDownloadCommand.Create(context, agent), readsBackups: true),
            agent.AddTo(BackupVerifyCommand.Create(context, agent), readsBackups: true),
            agent.AddTo(BackupPruneCommand.Create(context, agent, writeOut)),
            BackupEncodeCommand.Create(context),
            BackupDecodeCommand.Create(context),
        };
        root.Subcommands.Add(backup);
        var config = new Command("config", "Check the configuration") { agent.AddTo(ConfigCheckCommand.Create(context, agent)) };
        root.Subcommands.Add(config);
        root.Subcommands.Add(agent.AddTo(RunCommand.Create(context, flags, agent)));
        root.Subcommands.Add(agent.AddTo(RestoreCommand.Create(context, flags, agent), readsBackups: true));
        root.Subcommands.Add(agent.AddTo(DrillCommand.Create(context, agent, writeOut), readsBackups: true));
        root.Subcommands.Add(agent.AddTo(DoctorCommand.Create(context, flags, agent, writeOut)));
        root.Subcommands.Add(new Command("key", "Manage encryption keys") { KeyGenerateCommand.Create(context) });
        root.Subcommands.Add(endpoint);
        root.Subcommands.Add(member);
        root.Subcommands.Add(VersionCommand.Create(context, writeOut));
        return root;
    }

    /// <summary>
    /// How long a verb gets after SIGINT/SIGTERM before System.CommandLine returns 128+signal without it: the daemon's
    /// host shutdown (<see cref="Composition.DaemonHost.ShutdownTimeout"/>) must end first, or a clean stop exits 143.
    /// </summary>
    public static readonly TimeSpan ProcessTerminationTimeout = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
    {
        var root = Build(context);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await context.Error.WriteLineAsync("Error: " + error.Message).ConfigureAwait(false);
            }

            await context.Error.WriteLineAsync("Run 'etcd-agent --help' (or VERB --help) for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        // On SIGINT/SIGTERM the verb's token is cancelled; give its finally blocks (deleting a .part, closing
        // streams) up to 30 s before the process is ended, instead of System.CommandLine's 2 s.
        var config = new InvocationConfiguration
        {
            Output = context.Out,
            Error = context.Error,
            ProcessTerminationTimeout = ProcessTerminationTimeout,
        };
        return await parse.InvokeAsync(config, cancellationToken).ConfigureAwait(false);
    }
}

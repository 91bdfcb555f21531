using System.CommandLine;
using EtcdAgent.Configuration;
using EtcdAgent.Failures;
using EtcdAgent.Restore;
using Spectre.Console;

namespace EtcdAgent.Commands;

/// <summary>
/// <c>etcd-agent restore</c>: a guided, journaled, reversible restore of the local member. The verb only parses
/// flags into a <see cref="RestoreRequest"/> and a <see cref="RestoreSession"/>, calls <see cref="RestoreService"/>
/// and maps the outcome or failure to an exit code; planning, detection and the run live in Restore/.
/// </summary>
internal static class RestoreCommand
{
    public static Command Create(CliContext context, ConnectionFlags connection, AgentFlags agent)
    {
        var f = new RestoreFlags();
        var command = new Command("restore", """
            Restore the local etcd member from a backup (or a snapshot file), safely and reversibly.
            Interactive on a terminal; otherwise --snapshot latest|ID|PATH --yes (or --dry-run). For an HA cluster,
            run it on every member with the command the first run prints (same snapshot, token and cluster).
            --at-revision R or --at-time T restores the cluster as it was then: the backup's chain replayed into a
            snapshot first, which is then restored like a snapshot file. --with-bundle also puts back the
            control-plane files stored beside the backup (its recovery bundle); the plan lists each with its verdict.
            """);
        foreach (var option in f.All)
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, ct) => RunAsync(parse, context, connection, agent, f, ct));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CliContext context, ConnectionFlags connection, AgentFlags agent,
        RestoreFlags f, CancellationToken cancellationToken)
    {
        try
        {
            var outcome = await DispatchAsync(parse, context, connection, agent, f, cancellationToken).ConfigureAwait(false);
            return outcome == RestoreOutcome.Cancelled ? ExitCodes.Failure : ExitCodes.Success;
        }
#pragma warning disable CA1031 // Top of a verb: every failure becomes a message and an exit code.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return CommandFailure.Report(ex, context, settings: null);
        }
    }

    private static async Task<RestoreOutcome> DispatchAsync(ParseResult parse, CliContext context, ConnectionFlags connection, AgentFlags agent,
        RestoreFlags f, CancellationToken cancellationToken)
    {
        var options = RestoreConfig.LoadOptions(parse, context, agent);
        var target = f.PointInTime.Target(parse);
        var keyFiles = parse.GetValue(agent.KeyFiles) ?? [];
        var stateDir = parse.GetValue(f.StateDir) ?? options.OrNull?.Schedule.StateDir ?? OptionsDefaults.StateDir;
        var service = new RestoreService(new RestoreSession
        {
            Options = options,
            Connection = RestoreConfig.ResolveConnection(parse, context, connection, options),
            KeyFiles = keyFiles,
            BuildSnapshot = target is null ? null : PointInTimeRestore.Builder(context, options, keyFiles, target),
            StateDir = stateDir,
            Timeouts = new RestoreTimeouts(Duration(parse.GetValue(f.StopTimeout)!, "--stop-timeout"), Duration(parse.GetValue(f.HealthTimeout)!, "--health-timeout")),
            Time = context.Time,
            Loggers = context.Loggers,
            Environment = context.Environment,
            Out = context.Out,
            Error = context.Error,
            Terminal = context.Terminal,
            ProgressConsole = ErrorConsole(context),
        });
        var resume = parse.GetValue(f.Resume);
        var rollback = parse.GetValue(f.Rollback);
        var abandon = parse.GetValue(f.Abandon);
        var yes = parse.GetValue(f.Yes);
        if ((resume ? 1 : 0) + (rollback ? 1 : 0) + (abandon ? 1 : 0) > 1)
        {
            throw new ConfigurationException("--resume, --rollback and --abandon each act on the last journal in a different way: pass only one");
        }

        if (target is not null && (resume || rollback || abandon))
        {
            throw new ConfigurationException("--at-revision and --at-time choose what a new restore restores; --resume, --rollback and --abandon act on the last journal: pass one or the other");
        }

        var withBundle = parse.GetValue(f.WithBundle);
        if (withBundle && (resume || rollback || abandon))
        {
            throw new ConfigurationException("--with-bundle is part of a new restore's plan; --resume, --rollback and --abandon act on the last journal, which says whether it restores a bundle: pass one or the other");
        }

        if (!parse.GetValue(f.DryRun) || resume || rollback || abandon)
        {
            RequireRoot();
        }

        if (abandon)
        {
            return await service.AbandonAsync(yes, cancellationToken).ConfigureAwait(false);
        }

        if (resume || rollback)
        {
            return resume
                ? await service.ResumeAsync(f.Overrides(parse), cancellationToken).ConfigureAwait(false)
                : await service.RollbackAsync(f.Overrides(parse), cancellationToken).ConfigureAwait(false);
        }

        var terminal = yes ? null : context.Terminal;
        var snapshotSpec = parse.GetValue(f.Snapshot) ?? (terminal is null
            ? throw new ConfigurationException("which backup? Pass --snapshot latest, a backup id from `etcd-agent backup list`, or a snapshot file (or run it on a terminal for the wizard)")
            : await service.ChooseSnapshotAsync(terminal, cancellationToken).ConfigureAwait(false));
        if (target is not null && (File.Exists(snapshotSpec) || snapshotSpec.Contains('/', StringComparison.Ordinal)))
        {
            throw new ConfigurationException(
                $"--snapshot {snapshotSpec} is a file; --at-revision and --at-time replay a backup's chain from the store: pass --snapshot latest or a backup id from `etcd-agent backup list`");
        }

        if (withBundle && (File.Exists(snapshotSpec) || snapshotSpec.Contains('/', StringComparison.Ordinal)))
        {
            throw new ConfigurationException(
                $"--with-bundle restores the control-plane files stored beside a backup; --snapshot {snapshotSpec} is a file, which has none: " +
                "pass --snapshot latest or a backup id from `etcd-agent backup list`, or restore the file without --with-bundle. Nothing was changed.");
        }

        return await service.RestoreAsync(f.Request(parse, snapshotSpec, stateDir), yes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stderr as a console for the fetch's progress bar when it is a terminal (never in logs or pipes). Interactive
    /// by decision: with --yes or stdin redirected Spectre would not call it so, yet the bar only needs the terminal.
    /// </summary>
    private static IAnsiConsole? ErrorConsole(CliContext context) =>
        ReferenceEquals(context.Error, Console.Error) && !Console.IsErrorRedirected
            ? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error), Interactive = InteractionSupport.Yes })
            : null;

    private static void RequireRoot()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            throw new ConfigurationException(
                "restore must run as root: it stops etcd, moves its data directory and writes files owned by etcd's user. Run it with sudo (or --dry-run to only see the plan).");
        }
    }

    private static TimeSpan Duration(string text, string flag) =>
        GoDuration.TryParse(text, out var value) && value > TimeSpan.Zero ? value : throw new ConfigurationException($"{flag} {text}: expected a duration such as 90s or 10m");
}

using System.CommandLine;
using EtcdAgent.Configuration;
using EtcdAgent.Manifests;
using EtcdAgent.Restore;
using EtcdAgent.Restore.Topology;
using EtcdAgent.Snapshots;
using EtcdAgent.Storage;

namespace EtcdAgent.Commands;

/// <summary>
/// <c>etcd-agent restore</c>: a guided, journaled, reversible restore of the local member. Flags and the wizard
/// fill the same <see cref="RestoreRequest"/>; --resume and --rollback replay the journal of an interrupted one.
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
        var output = context.Out;
        try
        {
            var config = new RestoreConfig(parse, context, agent, connection);
            var stateDir = parse.GetValue(f.StateDir) ?? config.Options?.Schedule.StateDir ?? OptionsDefaults.StateDir;
            var shell = new ShellRunner(TimeSpan.FromMinutes(2));
            var planner = new RestorePlanner(context.Time, context.Environment, shell);
            var store = new JournalStore(stateDir);
            var timeouts = new RestoreTimeouts(Duration(parse.GetValue(f.StopTimeout)!, "--stop-timeout"), Duration(parse.GetValue(f.HealthTimeout)!, "--health-timeout"));
            var resume = parse.GetValue(f.Resume);
            var rollback = parse.GetValue(f.Rollback);
            var abandon = parse.GetValue(f.Abandon);
            if ((resume ? 1 : 0) + (rollback ? 1 : 0) + (abandon ? 1 : 0) > 1)
            {
                throw new ConfigurationException("--resume, --rollback and --abandon each act on the last journal in a different way: pass only one");
            }

            if (!parse.GetValue(f.DryRun) || resume || rollback || abandon)
            {
                RequireRoot();
            }

            if (abandon)
            {
                return await RestoreJournalVerbs.AbandonAsync(context, store, parse.GetValue(f.Yes), context.Terminal, cancellationToken).ConfigureAwait(false);
            }

            if (resume || rollback)
            {
                return await RestoreJournalVerbs.ReplayAsync(resume, config, context, store, planner, timeouts, f.Overrides(parse), cancellationToken).ConfigureAwait(false);
            }

            var terminal = parse.GetValue(f.Yes) ? null : context.Terminal;
            var snapshotSpec = parse.GetValue(f.Snapshot);
            if (snapshotSpec is null)
            {
                snapshotSpec = terminal is null
                    ? throw new ConfigurationException("which backup? Pass --snapshot latest, a backup id from `etcd-agent backup list`, or a snapshot file (or run it on a terminal for the wizard)")
                    : await RestoreWizard.ChooseSnapshotAsync(terminal, () => config.Options, context, cancellationToken).ConfigureAwait(false);
            }

            var request = f.Request(parse, snapshotSpec, stateDir) with
            {
                Endpoints = config.NamedEndpoints,
                EndpointsSource = config.Connection.Source,
            };
            using var lockHandle = request.DryRun ? null : store.Lock();
            if (!request.DryRun && store.Unfinished() is { } unfinished)
            {
                throw new ConfigurationException(
                    unfinished.State == JournalState.RollingBack
                        ? $"the rollback of restore {unfinished.Id} did not finish: run `etcd-agent restore --rollback` again first (or `--abandon` if you repaired the member by hand)"
                        : $"restore {unfinished.Id} (started {unfinished.StartedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z) did not finish: run `etcd-agent restore --resume` to finish it or `--rollback` to undo it first (or `--abandon` if you repaired the member by hand)");
            }

            RestorePlan plan;
            try
            {
                plan = await planner.PlanAsync(request, (id, work, token) => FetchAsync(parse, context, agent, config, id, work, terminal, token), cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException ex)
            {
                throw new InvalidDataException(ex.Message + " Nothing on this node was changed; choose another backup (etcd-agent backup list).", ex);
            }

            PlanText.Write(output, plan);
            if (request.DryRun)
            {
                RestorePlanner.Discard(plan.Snapshot);
                output.WriteLine("Dry run: nothing was changed.");
                return ExitCodes.Success;
            }

            if (!parse.GetValue(f.Yes))
            {
                if (terminal is null)
                {
                    RestorePlanner.Discard(plan.Snapshot);
                    throw new ConfigurationException("this restore stops etcd and replaces its data: pass --yes to go ahead (or --dry-run to only see the plan)");
                }

                if (!RestoreWizard.Confirm(terminal, plan))
                {
                    RestorePlanner.Discard(plan.Snapshot);
                    output.WriteLine("Cancelled: nothing was changed.");
                    return ExitCodes.Failure;
                }
            }

            await ExecuteAsync(config, context, store, plan, planner, timeouts, cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        }
#pragma warning disable CA1031 // Top of a verb: every failure becomes a message and an exit code.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return CommandFailure.Report(ex, context, settings: null);
        }
    }

    /// <summary>Writes the journal and runs it; shared by the flags and the wizard.</summary>
    internal static async Task ExecuteAsync(RestoreConfig config, CliContext context, JournalStore store,
        RestorePlan plan, RestorePlanner planner, RestoreTimeouts timeouts, CancellationToken cancellationToken)
    {
        var journal = plan.Journal;
        store.Save(journal);
        context.Out.WriteLine($"Journal: {Path.Combine(store.WorkDir(journal.Id), "journal.json")} (restore --resume / --rollback use it)");
        var runner = new RestoreRunner(store, planner.TopologyFor(journal), config.ClientsFor(journal.Member), context.Out, context.Time, timeouts);
        try
        {
            await runner.RunAsync(journal, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var step = journal.Steps.FirstOrDefault(s => s.Status == StepStatus.Started)?.Title ?? "?";
            context.Error.WriteLine($"The restore stopped at: {step}");
            context.Error.WriteLine("Fix the cause below, then `etcd-agent restore --resume`; or undo everything with `etcd-agent restore --rollback`.");
            throw;
        }

        Summary(context.Out, journal);
    }

    internal static void Summary(TextWriter output, RestoreJournal journal)
    {
        var dirs = new DataDirs(journal.Member, journal.Id);
        output.WriteLine($"Restore {journal.Id} complete: member {journal.Member.Name} runs the backup's data at revision {journal.ExpectedRevision}.");
        output.WriteLine($"  The old member is kept in {dirs.OldMember}; `etcd-agent restore --rollback` puts it back.");
        output.WriteLine($"  Once the cluster is confirmed good, free the space: rm -rf {dirs.Work}{(dirs.WalWork is { } w ? " " + w : string.Empty)}");
        output.WriteLine("Next:");
        output.WriteLine("  - when every member is restored: restart kubelet on every control-plane node (systemctl restart kubelet),");
        output.WriteLine("    then kube-controller-manager and kube-scheduler (move their manifests out and back) so no component keeps old watches;");
        output.WriteLine("  - check: kubectl get nodes; kubectl get pods -A; etcd-agent endpoint health --endpoints ...;");
        output.WriteLine("  - take a fresh backup: etcd-agent backup create.");
    }

    private static async Task<FetchedSnapshot> FetchAsync(ParseResult parse, CliContext context, AgentFlags agent, RestoreConfig config, string id, string workDir,
        Spectre.Console.IAnsiConsole? terminal, CancellationToken cancellationToken)
    {
        var options = config.Required;
        using var store = StoreFactory.Create(options.Store, context.Loggers, context.Time);
        var manifest = await BackupCatalog.FindAsync(store, options.Cluster, id, cancellationToken).ConfigureAwait(false);
        var keyring = AgentFlags.Keyring(parse, agent, options);
        Directory.CreateDirectory(workDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var path = Path.Combine(workDir, "snapshot.db");
        try
        {
            var free = new DriveInfo(workDir).AvailableFreeSpace;
            if (free < manifest.Raw.Size)
            {
                throw new ConfigurationException($"{workDir} has {Output.ByteSize.Format(free)} free, the snapshot needs {Output.ByteSize.Format(manifest.Raw.Size)}: free space or pass --state-dir");
            }

            context.Out.WriteLine($"Fetching backup {manifest.Id} ({Output.ByteSize.Format(manifest.Stored.Size)} stored) and verifying it...");
            Verification.VerificationReport report;
            if (terminal is not null)
            {
                // A progress bar on the terminal: download, decryption and decompression are one stream.
                report = await Spectre.Console.AnsiConsoleExtensions.Progress(terminal).StartAsync(async progressContext =>
                {
                    var bar = progressContext.AddTask("download, decode, verify", maxValue: manifest.Stored.Size);
                    return await BackupFetcher.FetchAsync(store, manifest, keyring, path, overwrite: true, options.Backup.MaxSnapshotSize,
                        new Progress<long>(done => bar.Value = done), cancellationToken, durable: false).ConfigureAwait(false);
                }).ConfigureAwait(false);
            }
            else
            {
                using var progress = TerminalProgress.Create(context, manifest.Stored.Size);
                // Not fsynced: a scratch copy used minutes later; etcd's restore binary checks its sha256 trailer again,
                // so a copy damaged by a crash in between is refused, never restored.
                report = await BackupFetcher.FetchAsync(store, manifest, keyring, path, overwrite: true, options.Backup.MaxSnapshotSize, progress, cancellationToken, durable: false)
                    .ConfigureAwait(false);
            }

            return new FetchedSnapshot(path, report.Sha256!, manifest.Raw.Size, report.Status!.Revision, report.Status.LiveKeys,
                manifest.EtcdVersion, manifest.Id, manifest.CreatedAt, manifest.Members, InWorkDir: true);
        }
        catch
        {
            if (Directory.Exists(workDir) && !Directory.EnumerateFileSystemEntries(workDir).Any())
            {
                Directory.Delete(workDir);
            }

            throw;
        }
    }

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

using EtcdAgent.Configuration;
using EtcdAgent.Restore.Topology;
using Spectre.Console;

namespace EtcdAgent.Restore;

/// <summary>
/// `etcd-agent restore` without the command line: plans a new restore (nothing changes until it is confirmed),
/// journals and runs it, or replays (--resume, --rollback) or abandons the journal of an interrupted one. The verb
/// parses flags into a <see cref="RestoreRequest"/> and a <see cref="RestoreSession"/>, calls one method and maps
/// the outcome or the exception to an exit code; flags and the wizard run the same code from here on.
/// </summary>
internal sealed class RestoreService
{
    private readonly RestoreSession _session;
    private readonly RestorePlanner _planner;
    private readonly JournalStore _store;
    private readonly JournalVerbs _journals;

    public RestoreService(RestoreSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        _session = session;
        _planner = new RestorePlanner(session.Time, session.Environment, new ShellRunner(TimeSpan.FromMinutes(2)));
        _store = new JournalStore(session.StateDir);
        _journals = new JournalVerbs(session, _store, _planner);
    }

    /// <summary>The wizard's first question: a backup id from the store, or a snapshot file.</summary>
    public Task<string> ChooseSnapshotAsync(IAnsiConsole terminal, CancellationToken cancellationToken) =>
        RestoreWizard.ChooseSnapshotAsync(terminal, _session, cancellationToken);

    public Task<RestoreOutcome> ResumeAsync(ReplayOverrides overrides, CancellationToken cancellationToken) =>
        _journals.ReplayAsync(resume: true, overrides, cancellationToken);

    public Task<RestoreOutcome> RollbackAsync(ReplayOverrides overrides, CancellationToken cancellationToken) =>
        _journals.ReplayAsync(resume: false, overrides, cancellationToken);

    public Task<RestoreOutcome> AbandonAsync(bool yes, CancellationToken cancellationToken) => _journals.AbandonAsync(yes, cancellationToken);

    /// <summary>
    /// Plans, shows the plan, and unless it is a dry run asks (or takes <paramref name="yes"/>) before anything on
    /// the node changes; then journals and runs it.
    /// </summary>
    public async Task<RestoreOutcome> RestoreAsync(RestoreRequest request, bool yes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var output = _session.Out;
        var connection = _session.Connection.Value;
        request = request with { Endpoints = MemberClients.NamedEndpoints(connection), EndpointsSource = connection.Source };
        var terminal = yes ? null : _session.Terminal;
        using var lockHandle = request.DryRun ? null : _store.Lock();
        if (!request.DryRun && _store.Unfinished() is { } unfinished)
        {
            throw new ConfigurationException(
                unfinished.State == JournalState.RollingBack
                    ? $"the rollback of restore {unfinished.Id} did not finish: run `etcd-agent restore --rollback` again first (or `--abandon` if you repaired the member by hand)"
                    : $"restore {unfinished.Id} (started {unfinished.StartedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z) did not finish: run `etcd-agent restore --resume` to finish it or `--rollback` to undo it first (or `--abandon` if you repaired the member by hand)");
        }

        RestorePlan plan;
        try
        {
            plan = await _planner.PlanAsync(request, new BackupSource(_session, terminal ?? _session.ProgressConsole), cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException(ex.Message + " Nothing on this node was changed; choose another backup (etcd-agent backup list).", ex);
        }

        PlanText.Write(output, plan);
        if (request.DryRun)
        {
            RestorePlanner.Discard(plan);
            output.WriteLine("Dry run: nothing was changed.");
            return RestoreOutcome.Done;
        }

        if (!yes)
        {
            if (terminal is null)
            {
                RestorePlanner.Discard(plan);
                throw new ConfigurationException("this restore stops etcd and replaces its data: pass --yes to go ahead (or --dry-run to only see the plan)");
            }

            if (!RestoreWizard.Confirm(terminal, plan))
            {
                RestorePlanner.Discard(plan);
                output.WriteLine("Cancelled: nothing was changed.");
                return RestoreOutcome.Cancelled;
            }
        }

        await ExecuteAsync(plan, cancellationToken).ConfigureAwait(false);
        return RestoreOutcome.Done;
    }

    /// <summary>Writes the journal (and the bundle the step will read) and runs it.</summary>
    private async Task ExecuteAsync(RestorePlan plan, CancellationToken cancellationToken)
    {
        var journal = plan.Journal;
        _store.Save(journal);
        if (plan.Bundle is { } bundle)
        {
            using (bundle)
            {
                await SaveBundleAsync(bundle, BundleStep.TarPath(_store, journal.Id), cancellationToken).ConfigureAwait(false);
            }
        }

        _session.Out.WriteLine($"Journal: {Path.Combine(_store.WorkDir(journal.Id), "journal.json")} (restore --resume / --rollback use it)");
        try
        {
            await _journals.RunnerFor(journal).RunAsync(journal, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var step = journal.Steps.FirstOrDefault(s => s.Status == StepStatus.Started)?.Title ?? "?";
            _session.Error.WriteLine($"The restore stopped at: {step}");
            _session.Error.WriteLine("Fix the cause below, then `etcd-agent restore --resume`; or undo everything with `etcd-agent restore --rollback`.");
            throw;
        }

        SummaryText.Write(_session.Out, journal);
    }

    /// <summary>
    /// The plain bundle beside the journal (0600 in the 0700 work dir, like the fetched snapshot, which holds the
    /// cluster's Secrets): the step may run in a later --resume, which reads no store. Removed once the step is done.
    /// </summary>
    private static async Task SaveBundleAsync(BundlePlan bundle, string path, CancellationToken cancellationToken)
    {
        // A leftover (an earlier attempt) is removed, not reused: Create would keep its mode and follow a link there.
        File.Delete(path);
        var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        await using (file.ConfigureAwait(false))
        {
            using var tar = bundle.Bundle.Open();
            await tar.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
            file.Flush(flushToDisk: true);
        }
    }
}

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
            RestorePlanner.Discard(plan.Snapshot);
            output.WriteLine("Dry run: nothing was changed.");
            return RestoreOutcome.Done;
        }

        if (!yes)
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
                return RestoreOutcome.Cancelled;
            }
        }

        await ExecuteAsync(plan.Journal, cancellationToken).ConfigureAwait(false);
        return RestoreOutcome.Done;
    }

    /// <summary>Writes the journal and runs it.</summary>
    private async Task ExecuteAsync(RestoreJournal journal, CancellationToken cancellationToken)
    {
        _store.Save(journal);
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
}

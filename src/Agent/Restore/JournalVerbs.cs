using EtcdAgent.Configuration;
using Spectre.Console;

namespace EtcdAgent.Restore;

/// <summary>
/// What `restore` does with a journal it already wrote: --resume finishes it, --rollback undoes it, --abandon ends
/// it. Together they leave no journal state without a command out of it: an unfinished restore resumes, rolls back
/// or is abandoned; a half-done rollback is run again or abandoned; an abandoned one blocks nothing.
/// </summary>
internal sealed class JournalVerbs(RestoreSession session, JournalStore store, RestorePlanner planner)
{
    /// <summary>Runs (or rolls back) a journal: the topology it recorded, clients for its member.</summary>
    public RestoreRunner RunnerFor(RestoreJournal journal)
    {
        ArgumentNullException.ThrowIfNull(journal);
        return new RestoreRunner(store, planner.TopologyFor(journal), MemberClients.For(journal.Member, session), session.Out, session.Time, session.Timeouts);
    }

    public async Task<RestoreOutcome> ReplayAsync(bool resume, ReplayOverrides overrides, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        var output = session.Out;
        using var held = store.Lock();
        var journal = resume ? ToResume() : ToRollBack();
        var notes = overrides.ApplyTo(journal);
        foreach (var note in notes)
        {
            output.WriteLine(note);
        }

        if (notes.Count > 0)
        {
            // Recorded, so a retry without the flags uses what worked rather than the stale command again.
            store.Save(journal);
        }

        var runner = RunnerFor(journal);
        if (resume)
        {
            output.WriteLine($"Resuming restore {journal.Id} (started {journal.StartedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z)");
            await runner.RunAsync(journal, cancellationToken).ConfigureAwait(false);
            SummaryText.Write(output, journal);
        }
        else
        {
            output.WriteLine($"Rolling back restore {journal.Id} ({journal.State})");
            try
            {
                await runner.RollbackAsync(journal, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                session.Error.WriteLine(
                    $"The rollback of restore {journal.Id} stopped; its journal keeps what was undone. Fix the cause below and run `etcd-agent restore --rollback` again " +
                    "(flags such as --stop-command given then win over the journal), or, if you repaired the member by hand, `etcd-agent restore --abandon`.");
                throw;
            }

            output.WriteLine($"Rolled back: the old member and manifests are where they were before restore {journal.Id}.");
        }

        return RestoreOutcome.Done;
    }

    /// <summary>Warns what stays where, then ends the journal when confirmed by --yes or on the terminal (never silently).</summary>
    public async Task<RestoreOutcome> AbandonAsync(bool yes, CancellationToken cancellationToken)
    {
        var output = session.Out;
        var terminal = session.Terminal;
        using var held = store.Lock();
        var journal = store.Unfinished() ?? throw new ConfigurationException(store.All() is [var newest, ..]
            ? $"restore {newest.Id} is {newest.State}, so there is nothing to abandon{(newest.State == JournalState.Completed ? " (`etcd-agent restore --rollback` undoes it)" : string.Empty)}"
            : $"no restore journal in {store.Root}: nothing to abandon");
        var lines = await JournalAbandon.WhatStaysWhereAsync(journal, store, cancellationToken).ConfigureAwait(false);
        var last = journal.Steps.LastOrDefault(s => s.Status != StepStatus.Pending);
        output.WriteLine($"WARNING: --abandon ends restore {journal.Id} ({journal.State}; last step taken: {last?.Title ?? "none"}) without finishing or undoing it.");
        output.WriteLine("Nothing is moved or deleted, and etcd-agent will not touch any of this again. It stays where it is:");
        foreach (var line in lines)
        {
            output.WriteLine("  " + line);
        }

        if (yes)
        {
            return Abandon(journal);
        }

        if (terminal is null)
        {
            throw new ConfigurationException("--abandon needs a confirmation: read the list above, then pass --yes");
        }

        if (!terminal.Prompt(new ConfirmationPrompt($"Abandon restore {journal.Id}, leaving everything as listed?") { DefaultValue = false }))
        {
            output.WriteLine("Cancelled: the journal is unchanged.");
            return RestoreOutcome.Cancelled;
        }

        return Abandon(journal);
    }

    private RestoreOutcome Abandon(RestoreJournal journal)
    {
        JournalAbandon.Mark(journal, store, session.Time);
        var dirs = new DataDirs(journal.Member, journal.Id);
        session.Out.WriteLine($"Restore {journal.Id} abandoned. A fresh `etcd-agent restore` works from here.");
        var fetched = File.Exists(journal.SnapshotPath) && journal.SnapshotPath.StartsWith(store.Root + "/", StringComparison.Ordinal) ? " " + journal.SnapshotPath : string.Empty;
        session.Out.WriteLine(
            $"  Once the member is confirmed good and the old data is no longer wanted, free the space: rm -rf {dirs.Work}{(dirs.WalWork is { } w ? " " + w : string.Empty)}{fetched}");
        return RestoreOutcome.Done;
    }

    private RestoreJournal ToResume()
    {
        var journal = store.Unfinished() ?? throw new ConfigurationException($"no unfinished restore in {store.Root}: nothing to resume");
        return journal.State == JournalState.RollingBack
            ? throw new ConfigurationException(
                $"restore {journal.Id} is being rolled back and that did not finish: run `etcd-agent restore --rollback` again to finish it (it cannot be resumed any more), " +
                "or `etcd-agent restore --abandon` if you repaired the member by hand")
            : journal;
    }

    /// <summary>
    /// The newest restore not rolled back yet. An abandoned one stops the search: what is where no longer follows
    /// from its journal, so neither it nor anything older can be undone by replaying journals.
    /// </summary>
    private RestoreJournal ToRollBack()
    {
        var journal = store.All().FirstOrDefault(j => j.State != JournalState.RolledBack)
                      ?? throw new ConfigurationException($"no restore to roll back in {store.Root}");
        return journal.State == JournalState.Abandoned
            ? throw new ConfigurationException(
                $"the newest restore, {journal.Id}, was abandoned{(journal.AbandonedAt is { } at ? $" at {at.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z" : string.Empty)}: " +
                "its journal no longer says what is where, so neither it nor an older restore can be rolled back. " +
                $"Move directories back by hand (its journal, {Path.Combine(store.WorkDir(journal.Id), "journal.json")}, names them), or run a fresh restore.")
            : journal;
    }
}

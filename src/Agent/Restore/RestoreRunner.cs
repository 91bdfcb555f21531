using System.Globalization;
using EtcdAgent.Protocol.Etcd;
using EtcdAgent.Restore.Topology;

namespace EtcdAgent.Restore;

/// <summary>
/// Takes the journal's steps in order — each marked started (durably) before it runs and done after — and undoes
/// them on rollback. A new restore, --resume and --rollback all come through here, so an interrupted restore is
/// finished or undone by the same code that began it.
/// </summary>
internal sealed class RestoreRunner(
    JournalStore store,
    IRestoreTopology topology,
    Func<IReadOnlyList<Uri>, EtcdClient> clients,
    TextWriter output,
    TimeProvider time,
    RestoreTimeouts timeouts)
{
    public async Task RunAsync(RestoreJournal journal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(journal);
        var dirs = new DataDirs(journal.Member, journal.Id);
        var number = 0;
        foreach (var step in journal.Steps)
        {
            number++;
            if (step.Status == StepStatus.Done)
            {
                continue;
            }

            output.WriteLine($"[{number}/{journal.Steps.Count}] {step.Title}{(step.Status == StepStatus.Started ? " (again: it was interrupted)" : string.Empty)}");
            Mark(journal, step, StepStatus.Started);
            await RunStepAsync(journal, step.Name, dirs, cancellationToken).ConfigureAwait(false);
            Mark(journal, step, StepStatus.Done);
            if (step.Name == RestoreSteps.RestoreBundle)
            {
                RemoveBundleTar(journal);
            }
        }

        journal.State = JournalState.Completed;
        store.Save(journal);
        RemoveBundleTar(journal);
    }

    /// <summary>The plain bundle (private keys) stays on disk no longer than the step that reads it needs it.</summary>
    private void RemoveBundleTar(RestoreJournal journal)
    {
        var path = BundleStep.TarPath(store, journal.Id);
        if (File.Exists(path))
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// Undoes what the journal says was started, in reverse. Every undo action is itself journaled (state
    /// rolling-back, then each action in <see cref="RestoreJournal.Undone"/>), so a rollback that is interrupted or
    /// fails (a start command failing) is simply run again and skips what it already did — it never re-judges which
    /// directory is old from the directories alone.
    /// </summary>
    public async Task RollbackAsync(RestoreJournal journal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(journal);
        var dirs = new DataDirs(journal.Member, journal.Id);
        if (journal.Started(RestoreSteps.MoveAside) && journal.HadOldMember && !journal.Undone.Contains(UndoMoveAside) && !Directory.Exists(dirs.OldMember))
        {
            throw new RestoreStepException(
                $"the old member is no longer in {dirs.OldMember} (was the work dir removed?): there is nothing to roll back to. The restored member stays as it is. " +
                "If the member is as you want it, end this restore's journal with `etcd-agent restore --abandon`.");
        }

        journal.State = JournalState.RollingBack;
        store.Save(journal);
        await UndoAsync(journal, "stop-apiserver", journal.Started(RestoreSteps.StartApiServer), "Stopping kube-apiserver (it was started on the restored data)",
            () => topology.StopApiServerAsync(cancellationToken)).ConfigureAwait(false);
        await UndoAsync(journal, "stop-etcd", journal.Started(RestoreSteps.StopEtcd), $"Stopping etcd: {topology.StopText}", async () =>
        {
            await EtcdStop.RunAsync(topology, output, rollingBack: true, cancellationToken).ConfigureAwait(false);
            await WaitPortsClosedAsync(journal.Member, rollingBack: true, cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);
        await UndoAsync(journal, "undo-bundle", journal.Started(RestoreSteps.RestoreBundle),
            "Putting this node's control-plane files back as they were before the bundle (etcd and kube-apiserver are down)",
            () => new BundleStep(journal, () => store.Save(journal), output).UndoAsync(cancellationToken)).ConfigureAwait(false);
        await UndoAsync(journal, "undo-install", journal.Started(RestoreSteps.Install), $"Moving the restored member out of {journal.Member.DataDir} (kept in {dirs.Work})", () =>
        {
            dirs.UndoInstall();
            return Task.CompletedTask;
        }).ConfigureAwait(false);
        await UndoAsync(journal, UndoMoveAside, journal.Started(RestoreSteps.MoveAside), $"Putting the old member back into {dirs.Member}", () =>
        {
            dirs.UndoMoveAside();
            return Task.CompletedTask;
        }).ConfigureAwait(false);
        await UndoAsync(journal, "start-etcd", journal.Started(RestoreSteps.StopEtcd), $"Starting the old etcd: {topology.StartText}",
            () => topology.StartEtcdAsync(cancellationToken)).ConfigureAwait(false);
        await UndoAsync(journal, "start-apiserver", journal.Started(RestoreSteps.StopApiServer), "Putting kube-apiserver's manifest back",
            () => topology.StartApiServerAsync(cancellationToken)).ConfigureAwait(false);
        journal.State = JournalState.RolledBack;
        store.Save(journal);
        RemoveBundleTar(journal);
    }

    private const string UndoMoveAside = "undo-move-aside";

    private async Task UndoAsync(RestoreJournal journal, string name, bool needed, string title, Func<Task> action)
    {
        if (!needed || journal.Undone.Contains(name))
        {
            return;
        }

        output.WriteLine(title);
        await action().ConfigureAwait(false);
        journal.Undone.Add(name);
        store.Save(journal);
    }

    private void Mark(RestoreJournal journal, JournalStep step, string status)
    {
        step.Status = status;
        step.At = time.GetUtcNow();
        store.Save(journal);
    }

    private async Task RunStepAsync(RestoreJournal journal, string step, DataDirs dirs, CancellationToken cancellationToken)
    {
        var member = journal.Member;
        switch (step)
        {
            case RestoreSteps.RestoreStaged:
                dirs.PrepareStaging();
                var tool = new RestoreTool(journal.RestoreBinary, journal.RestoreBinaryKind, new Version(0, 0), journal.Bump > 0);
                var cluster = InitialCluster.Parse(journal.InitialCluster, "journal");
                var args = RestoreTool.Arguments(journal.SnapshotPath, dirs.Staged, dirs.StagedWal, member.Name,
                    string.Join(',', cluster.Members[member.Name]), journal.InitialCluster, journal.Token, journal.Bump);
                await tool.RestoreAsync(args, cancellationToken).ConfigureAwait(false);
                break;
            case RestoreSteps.StopApiServer:
                await topology.StopApiServerAsync(cancellationToken).ConfigureAwait(false);
                break;
            case RestoreSteps.StopEtcd:
                await EtcdStop.RunAsync(topology, output, rollingBack: false, cancellationToken).ConfigureAwait(false);
                break;
            case RestoreSteps.PortsClosed:
                await WaitPortsClosedAsync(member, rollingBack: false, cancellationToken).ConfigureAwait(false);
                break;
            case RestoreSteps.MoveAside:
                dirs.MoveAside();
                break;
            case RestoreSteps.Install:
                dirs.Install();
                break;
            case RestoreSteps.RestoreBundle:
                await new BundleStep(journal, () => store.Save(journal), output).ApplyAsync(BundleStep.TarPath(store, journal.Id), cancellationToken).ConfigureAwait(false);
                break;
            case RestoreSteps.StartGate:
                await StartGate.CheckAsync(journal, output, cancellationToken).ConfigureAwait(false);
                break;
            case RestoreSteps.StartEtcd:
                await topology.StartEtcdAsync(cancellationToken).ConfigureAwait(false);
                break;
            case RestoreSteps.Healthy:
                await new HealthWait(clients, output, time).WaitAsync(journal, timeouts.Health, cancellationToken).ConfigureAwait(false);
                break;
            case RestoreSteps.Check:
                await new RestoreCheck(clients, output, time).RunAsync(journal, cancellationToken).ConfigureAwait(false);
                break;
            case RestoreSteps.StartApiServer:
                await topology.StartApiServerAsync(cancellationToken).ConfigureAwait(false);
                break;
            default:
                throw new InvalidDataException($"the journal names an unknown step '{step}': it was written by another etcd-agent version");
        }
    }

    private async Task WaitPortsClosedAsync(MemberConfig member, bool rollingBack, CancellationToken cancellationToken)
    {
        var open = await PortProbe.WaitAllClosedAsync(member.PortsToGate, timeouts.Stop, time, cancellationToken).ConfigureAwait(false);
        if (open is not null)
        {
            throw new RestoreStepException(
                $"etcd still answers on {open} {timeouts.Stop.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s after it was told to stop ({topology.StopText}). Stop it, then run " +
                (rollingBack ? "restore --rollback again (or, if you repaired the member by hand, restore --abandon)." : "restore --resume (or --rollback)."));
        }
    }
}

/// <summary>How long to wait for the old member to stop and for the restored one to become healthy.</summary>
internal sealed record RestoreTimeouts(TimeSpan Stop, TimeSpan Health);

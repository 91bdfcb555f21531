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
        }

        journal.State = JournalState.Completed;
        store.Save(journal);
    }

    public async Task RollbackAsync(RestoreJournal journal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(journal);
        var dirs = new DataDirs(journal.Member, journal.Id);
        var touchedDirs = journal.Started(RestoreSteps.MoveAside);
        if (journal.Started(RestoreSteps.StartApiServer))
        {
            output.WriteLine("Stopping kube-apiserver (it was started on the restored data)");
            await topology.StopApiServerAsync(cancellationToken).ConfigureAwait(false);
        }

        if (journal.Started(RestoreSteps.StopEtcd))
        {
            output.WriteLine($"Stopping etcd: {topology.StopText}");
            await topology.StopEtcdAsync(cancellationToken).ConfigureAwait(false);
            await WaitPortsClosedAsync(journal.Member, cancellationToken).ConfigureAwait(false);
        }

        if (journal.Started(RestoreSteps.Install))
        {
            output.WriteLine($"Moving the restored member out of {journal.Member.DataDir} (kept in {dirs.Work})");
            dirs.UndoInstall();
        }

        if (touchedDirs)
        {
            output.WriteLine($"Putting the old member back into {dirs.Member}");
            dirs.UndoMoveAside();
        }

        if (journal.Started(RestoreSteps.StopEtcd))
        {
            output.WriteLine($"Starting the old etcd: {topology.StartText}");
            await topology.StartEtcdAsync(cancellationToken).ConfigureAwait(false);
        }

        if (journal.Started(RestoreSteps.StopApiServer))
        {
            output.WriteLine("Putting kube-apiserver's manifest back");
            await topology.StartApiServerAsync(cancellationToken).ConfigureAwait(false);
        }

        journal.State = JournalState.RolledBack;
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
                await topology.StopEtcdAsync(cancellationToken).ConfigureAwait(false);
                break;
            case RestoreSteps.PortsClosed:
                await WaitPortsClosedAsync(member, cancellationToken).ConfigureAwait(false);
                break;
            case RestoreSteps.MoveAside:
                dirs.MoveAside();
                break;
            case RestoreSteps.Install:
                dirs.Install();
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

    private async Task WaitPortsClosedAsync(MemberConfig member, CancellationToken cancellationToken)
    {
        var open = await PortProbe.WaitAllClosedAsync(member.PortsToGate, timeouts.Stop, time, cancellationToken).ConfigureAwait(false);
        if (open is not null)
        {
            throw new RestoreStepException(
                $"etcd still answers on {open} {timeouts.Stop.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s after it was told to stop ({topology.StopText}). Stop it, then run restore --resume (or --rollback).");
        }
    }
}

/// <summary>How long to wait for the old member to stop and for the restored one to become healthy.</summary>
internal sealed record RestoreTimeouts(TimeSpan Stop, TimeSpan Health);

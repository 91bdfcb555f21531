using EtcdAgent.Restore.Topology;

namespace EtcdAgent.Restore;

/// <summary>
/// Stops etcd through the topology. A stop that fails is not the end: if the member is demonstrably down (see
/// <see cref="MemberDown"/>) the stop counts as done and the output says so; otherwise the error says what still
/// runs and every way forward (a stop command that works now, stopping it by hand, or abandoning the journal).
/// </summary>
internal static class EtcdStop
{
    public static async Task RunAsync(IRestoreTopology topology, TextWriter output, bool rollingBack, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(output);
        try
        {
            await topology.StopEtcdAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (RestoreStepException ex)
        {
            var down = await MemberDown.CheckAsync(topology.Member, cancellationToken).ConfigureAwait(false);
            if (down.IsDown)
            {
                output.WriteLine($"    the stop failed ({ex.Message}), but etcd is down: {down.Evidence}: counted as stopped.");
                return;
            }

            var again = rollingBack ? "etcd-agent restore --rollback" : "etcd-agent restore --resume";
            throw new RestoreStepException(
                $"{ex.Message}; and etcd is not down: {down.Evidence}. Stop it by hand, or give a stop command that works now " +
                $"(`{again} --stop-command 'COMMAND'`; flags given now win over the journal), then run it again. " +
                "If you repaired the member by hand instead, end this restore's journal with `etcd-agent restore --abandon`.", ex);
        }
    }
}

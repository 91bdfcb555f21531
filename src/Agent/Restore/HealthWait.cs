using System.Globalization;
using EtcdAgent.Protocol.Etcd;

namespace EtcdAgent.Restore;

/// <summary>
/// Waits until the restored member answers and has a leader. A member of a multi-member restore gets a leader only
/// once a quorum of the restored members runs, so it waits for the others (whose commands the plan printed).
/// </summary>
internal sealed class HealthWait(Func<IReadOnlyList<Uri>, EtcdClient> clients, TextWriter output, TimeProvider time)
{
    public async Task WaitAsync(RestoreJournal journal, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var url = journal.Member.LocalClientUrl;
        using var client = clients([url]);
        var deadline = time.GetUtcNow() + timeout;
        var members = InitialCluster.Parse(journal.InitialCluster, "journal").Members.Count;
        var told = false;
        string last = "no answer yet";
        while (time.GetUtcNow() < deadline)
        {
            try
            {
                var status = await client.StatusAsync(url, cancellationToken).ConfigureAwait(false);
                if (status.Leader != 0)
                {
                    output.WriteLine($"    {url} is healthy (leader {Output.Hex.Id(status.Leader)}, revision {status.Header.Revision.ToString(CultureInfo.InvariantCulture)})");
                    return;
                }

                last = "answers, no leader yet";
                if (members > 1 && !told)
                {
                    output.WriteLine($"    {url} answers and waits for a quorum of the {members.ToString(CultureInfo.InvariantCulture)} restored members: run the restore on the others now");
                    told = true;
                }
            }
            catch (EtcdRpcException ex)
            {
                last = ex.Detail;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), time, cancellationToken).ConfigureAwait(false);
        }

        throw new RestoreStepException(
            $"the restored member at {url} did not become healthy within {timeout.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s (last: {last}). " +
            "Look at etcd's log (journalctl -u etcd, or crictl logs on kubeadm), then run restore --resume to keep waiting or --rollback to undo.");
    }
}

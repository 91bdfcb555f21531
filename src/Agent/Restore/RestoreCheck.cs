using System.Globalization;
using EtcdAgent.Protocol.Etcd;
using Etcdserverpb;

namespace EtcdAgent.Restore;

/// <summary>
/// Proves the restored member holds the backup: its live key count (a count-only range over the whole keyspace)
/// equals the snapshot's, and its revision equals the snapshot's plus any bump. Restore rewrites membership and
/// consistent_index, so hashes cannot be compared. When every member of the initial cluster runs, all must agree.
/// </summary>
internal sealed class RestoreCheck(Func<IReadOnlyList<Uri>, EtcdClient> clients, TextWriter output, TimeProvider time)
{
    /// <summary>
    /// A member that just became healthy can still see its cluster elect a leader ("etcdserver: leader changed",
    /// Unavailable) on a busy machine: that is not a failed restore, so the reads are retried for a while.
    /// </summary>
    private async Task<(long Keys, StatusResponse Status)> ReadWithRetryAsync(EtcdClient client, Uri url, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var keys = await client.CountAllKeysAsync(cancellationToken).ConfigureAwait(false);
                var status = await client.StatusAsync(url, cancellationToken).ConfigureAwait(false);
                return (keys, status);
            }
            catch (Protocol.Etcd.EtcdRpcException ex) when (attempt < 15
                && ex.StatusCode is Grpc.Core.StatusCode.Unavailable or Grpc.Core.StatusCode.DeadlineExceeded)
            {
                output.WriteLine($"    {ex.Detail}: retrying");
                await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async Task RunAsync(RestoreJournal journal, CancellationToken cancellationToken)
    {
        var url = journal.Member.LocalClientUrl;
        using var client = clients([url]);
        var (keys, status) = await ReadWithRetryAsync(client, url, cancellationToken).ConfigureAwait(false);
        var revision = status.Header.Revision;
        if ((journal.ExpectedLiveKeys is { } expectedKeys && keys != expectedKeys) || revision != journal.ExpectedRevision)
        {
            throw new InvalidDataException(
                $"the restored member holds {keys.ToString(CultureInfo.InvariantCulture)} keys at revision {revision.ToString(CultureInfo.InvariantCulture)}, but the snapshot has " +
                $"{journal.ExpectedLiveKeys?.ToString(CultureInfo.InvariantCulture) ?? "?"} keys at revision {journal.SnapshotRevision.ToString(CultureInfo.InvariantCulture)}" +
                (journal.Bump > 0 ? $" + bump {journal.Bump.ToString(CultureInfo.InvariantCulture)}" : string.Empty) +
                ". Something wrote to it, or the restore binary did not do what was asked. Run restore --rollback, or inspect it first.");
        }

        output.WriteLine($"    {keys.ToString(CultureInfo.InvariantCulture)} keys at revision {revision.ToString(CultureInfo.InvariantCulture)}: as in the backup");
        var expected = InitialCluster.Parse(journal.InitialCluster, "journal").Members.Count;
        if (expected == 1)
        {
            return;
        }

        // Members restored at nearly the same time: give the others a minute to publish themselves, so that one
        // of the invocations sees them all and checks the whole cluster.
        var running = new List<Member>();
        for (var attempt = 0; attempt < 120; attempt++)
        {
            var members = (await client.MemberListAsync(cancellationToken).ConfigureAwait(false)).Members;
            running = members.Where(m => m.ClientURLs.Count > 0).ToList();
            if (running.Count >= expected)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), time, cancellationToken).ConfigureAwait(false);
        }

        if (running.Count < expected)
        {
            output.WriteLine($"    {running.Count.ToString(CultureInfo.InvariantCulture)} of {expected.ToString(CultureInfo.InvariantCulture)} members run; the last member's restore checks the whole cluster");
            return;
        }

        var revisions = new List<string>();
        foreach (var member in running)
        {
            var endpoint = new Uri(member.ClientURLs[0]);
            using var memberClient = clients([endpoint]);
            var memberStatus = await memberClient.StatusAsync(endpoint, cancellationToken).ConfigureAwait(false);
            revisions.Add($"{member.Name}={memberStatus.Header.Revision.ToString(CultureInfo.InvariantCulture)}");
            if (memberStatus.Header.Revision != journal.ExpectedRevision)
            {
                throw new InvalidDataException(
                    $"member {member.Name} ({endpoint}) is at revision {memberStatus.Header.Revision.ToString(CultureInfo.InvariantCulture)}, not {journal.ExpectedRevision.ToString(CultureInfo.InvariantCulture)}: the members were not restored from the same backup. Roll back every member and restore them all from one backup.");
            }
        }

        output.WriteLine($"    all {expected.ToString(CultureInfo.InvariantCulture)} members healthy and at the same revision ({string.Join(", ", revisions)})");
    }
}

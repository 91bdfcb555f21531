using EtcdAgent.Protocol.Etcd;
using Etcdserverpb;
using Mvccpb;

namespace EtcdAgent.Continuous;

/// <summary>
/// Re-applies original revisions to an etcd that holds exactly the state before them (a throwaway member restored
/// from the chain's base): each revision as one Txn of its events in order, so the member's revision advances by one
/// per original revision. After each Txn it checks what etcd reports against the original — the new revision, and for
/// every put the create revision and version it produced (from the previous value the Txn returns) — and stops at
/// the first difference: a replay that diverges is never turned into a snapshot.
/// </summary>
internal sealed class RevisionReplay(EtcdClient client, ISet<long> leases)
{
    /// <summary>Lease TTL for the leases a replay creates: long enough that none expires on the replay's own clock.</summary>
    public static readonly TimeSpan ReplayLeaseTtl = TimeSpan.FromDays(1);

    public async Task ApplyAsync(RevisionEvents revision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(revision);
        foreach (var lease in revision.Events.Where(e => e.Type == Event.Types.EventType.Put && e.Kv.Lease != 0).Select(e => e.Kv.Lease).Distinct())
        {
            if (leases.Add(lease))
            {
                // The original granted it after the base; here it gets the same id (the TTL is not the original's).
                await client.LeaseGrantAsync((long)ReplayLeaseTtl.TotalSeconds, lease, cancellationToken).ConfigureAwait(false);
            }
        }

        var txn = new TxnRequest();
        foreach (var e in revision.Events)
        {
            txn.Success.Add(e.Type == Event.Types.EventType.Put
                ? new RequestOp { RequestPut = new PutRequest { Key = e.Kv.Key, Value = e.Kv.Value, Lease = e.Kv.Lease, PrevKv = true } }
                : new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = e.Kv.Key, PrevKv = true } });
        }

        var response = await client.TxnAsync(txn, cancellationToken).ConfigureAwait(false);
        if (response.Header.Revision != revision.Revision)
        {
            throw new ReplayMismatchException(revision.Revision, $"the replayed member is at revision {response.Header.Revision} after it");
        }

        for (var i = 0; i < revision.Events.Count; i++)
        {
            var e = revision.Events[i];
            if (e.Type == Event.Types.EventType.Put)
            {
                var previous = response.Responses[i].ResponsePut.PrevKv;
                var version = previous is null ? 1 : previous.Version + 1;
                var created = previous is null ? revision.Revision : previous.CreateRevision;
                if (version != e.Kv.Version || created != e.Kv.CreateRevision)
                {
                    throw new ReplayMismatchException(revision.Revision,
                        $"key {Printable(e.Kv.Key.Span)} came out with version {version} and create revision {created}; the original had {e.Kv.Version} and {e.Kv.CreateRevision}");
                }
            }
            else if (response.Responses[i].ResponseDeleteRange.Deleted != 1)
            {
                throw new ReplayMismatchException(revision.Revision, $"key {Printable(e.Kv.Key.Span)} did not exist to be deleted");
            }
        }
    }

    private static string Printable(ReadOnlySpan<byte> key)
    {
        var text = System.Text.Encoding.UTF8.GetString(key[..Math.Min(key.Length, 200)]);
        return text.All(c => !char.IsControl(c)) ? $"'{text}'" : Convert.ToHexStringLower(key[..Math.Min(key.Length, 100)]);
    }
}

/// <summary>A replayed revision did not come out as the original: the point-in-time snapshot is not produced.</summary>
internal sealed class ReplayMismatchException(long revision, string detail)
    : Exception($"replaying revision {revision} did not reproduce the original: {detail}. No snapshot was produced; the chain or the base may be damaged (run backup verify).")
{
    public long Revision { get; } = revision;
}

using Mvccpb;

namespace EtcdAgent.Continuous;

/// <summary>
/// One write revision of the keyspace as the watch delivered it: every event etcd applied at that revision, in the
/// order it applied them (a Txn's puts and deletes share one revision). Every write revision has at least one event,
/// and revisions are consecutive, which is what lets a chain of segments prove it has no hole. ReceivedAt is when
/// this agent received it (its clock, millisecond precision): what a restore to a point in time goes by.
/// </summary>
internal sealed record RevisionEvents(long Revision, DateTimeOffset ReceivedAt, IReadOnlyList<Event> Events)
{
    /// <summary>Bytes the events take encoded (what a segment's size bound counts).</summary>
    public long EncodedSize => Events.Sum(e => (long)e.CalculateSize() + 4) + 20;
}

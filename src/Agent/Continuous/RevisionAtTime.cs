namespace EtcdAgent.Continuous;

/// <summary>
/// The last revision the agent received at or before a time, exactly: the manifests' receive times find the one
/// segment the time falls into, and only that segment is read, for the receive time each revision carries
/// (<see cref="SegmentFormat"/>, milliseconds). A time before the base was taken or after the last revision the
/// chain holds is not in this chain's window: what happened then is not known from it.
/// </summary>
internal static class RevisionAtTime
{
    /// <summary>The revision and when it was received, or null when <paramref name="time"/> is outside the chain's window.</summary>
    public static async Task<(long Revision, DateTimeOffset ReceivedAt)?> FindAsync(SegmentChain chain, DateTimeOffset time,
        Func<SegmentManifest, CancellationToken, Task<IReadOnlyList<RevisionEvents>>> read, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(read);
        if (time < chain.BaseCreatedAt || time > chain.LastReceivedAt)
        {
            return null;
        }

        var (revision, receivedAt) = (chain.BaseRevision, chain.BaseCreatedAt);
        foreach (var segment in chain.Path)
        {
            // Compared at the revisions' own resolution (milliseconds): segments written before their manifests' times
            // were rounded record them in ticks, a little after the first revision's stored time.
            if (Milliseconds(segment.LastReceivedAt) <= time)
            {
                (revision, receivedAt) = (segment.LastRevision, segment.LastReceivedAt);
                continue;
            }

            if (Milliseconds(segment.FirstReceivedAt) <= time)
            {
                // The time falls inside this segment: its revisions say which were received by then.
                foreach (var r in await read(segment, cancellationToken).ConfigureAwait(false))
                {
                    if (r.ReceivedAt > time)
                    {
                        break;
                    }

                    if (r.Revision > revision)
                    {
                        (revision, receivedAt) = (r.Revision, r.ReceivedAt);
                    }
                }
            }

            break;
        }

        return (revision, receivedAt);
    }

    private static DateTimeOffset Milliseconds(DateTimeOffset time) => DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());
}

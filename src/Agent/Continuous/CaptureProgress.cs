namespace EtcdAgent.Continuous;

/// <summary>
/// How far the capture is behind the cluster, for the lag metrics: the member's newest revision (from every watch
/// response's header and each poll), the last revision committed in a segment, and when the oldest revision received
/// but not yet committed arrived. Written by the capture, read by a scrape on another thread.
/// </summary>
internal sealed class CaptureProgress(TimeProvider time)
{
    private readonly object _gate = new();
    private long _head;
    private long _committed;
    private long _received;
    private DateTimeOffset? _oldestPending;

    /// <summary>Whether this agent is the cluster's writer now.</summary>
    public bool Streaming { get; private set; }

    public long LastCommitted
    {
        get
        {
            lock (_gate)
            {
                return _committed;
            }
        }
    }

    /// <summary>The last revision the watch delivered to this writer's current chain.</summary>
    public long LastReceived
    {
        get
        {
            lock (_gate)
            {
                return _received;
            }
        }
    }

    /// <summary>This agent became the writer of a chain that is complete up to <paramref name="committed"/>.</summary>
    public void Started(long committed)
    {
        lock (_gate)
        {
            Streaming = true;
            _committed = committed;
            _received = committed;
            _head = Math.Max(_head, committed);
            _oldestPending = null;
        }
    }

    public void Stopped()
    {
        lock (_gate)
        {
            Streaming = false;
            _oldestPending = null;
        }
    }

    public void Head(long revision)
    {
        lock (_gate)
        {
            _head = Math.Max(_head, revision);
        }
    }

    public void Received(RevisionEvents revision)
    {
        ArgumentNullException.ThrowIfNull(revision);
        lock (_gate)
        {
            _head = Math.Max(_head, revision.Revision);
            _received = Math.Max(_received, revision.Revision);
            _oldestPending ??= revision.ReceivedAt;
        }
    }

    public void Committed(SegmentManifest segment)
    {
        ArgumentNullException.ThrowIfNull(segment);
        lock (_gate)
        {
            _committed = Math.Max(_committed, segment.LastRevision);

            // Whatever arrived after this segment's last revision is still pending; its receive time is not kept, so
            // the lag restarts from the commit (at most one interval early).
            _oldestPending = _head > _committed ? time.GetUtcNow() : null;
        }
    }

    /// <summary>Revisions the cluster has that no segment holds yet, and how long the oldest of them has waited.</summary>
    public (long Revisions, double Seconds) Lag()
    {
        lock (_gate)
        {
            if (!Streaming)
            {
                return (0, 0);
            }

            var seconds = _oldestPending is { } since ? Math.Max(0, (time.GetUtcNow() - since).TotalSeconds) : 0;
            return (Math.Max(0, _head - _committed), seconds);
        }
    }
}

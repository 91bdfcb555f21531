using Prometheus;

namespace EtcdAgent.Diagnostics;

/// <summary>
/// The continuous capture's metrics, in the daemon's registry, present only when continuous capture is on. Lag is
/// computed at each scrape from the capture's own progress, so it grows while a writer is stuck instead of freezing at
/// the last value anyone set. Only the node holding the stream lock streams; the others export 0 lag, so
/// <c>max(etcd_agent_continuous_lag_seconds)</c> and <c>sum(etcd_agent_continuous_streaming)</c> describe the cluster.
/// </summary>
internal sealed class StreamMetrics
{
    private readonly Gauge _lastRevision;
    private readonly Counter _segments;
    private readonly Counter _gaps;
    private readonly Counter _failures;

    public StreamMetrics(CollectorRegistry registry, Func<bool> streaming, Func<(long Revisions, double Seconds)> lag)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var factory = Metrics.WithCustomRegistry(registry);
        var streamingGauge = factory.CreateGauge("etcd_agent_continuous_streaming", "1 while this node holds the stream lock and captures every write.");
        var lagRevisions = factory.CreateGauge("etcd_agent_continuous_lag_revisions", "Revisions the cluster has that no committed segment holds yet (0 when not streaming).");
        var lagSeconds = factory.CreateGauge("etcd_agent_continuous_lag_seconds", "How long the oldest revision not yet in a committed segment has waited (0 when not streaming).");
        _lastRevision = factory.CreateGauge("etcd_agent_continuous_last_revision", "The last revision this node committed in a segment.");
        _segments = factory.CreateCounter("etcd_agent_continuous_segments_total", "Segments this node committed.");
        _gaps = factory.CreateCounter("etcd_agent_continuous_gaps_total", "Times a chain could not go on because etcd had compacted the revisions it needed (a gap no restore can cross).");
        _failures = factory.CreateCounter("etcd_agent_continuous_failures_total", "Times capturing failed and was resumed from the chain's end.");
        registry.AddBeforeCollectCallback(() =>
        {
            var (revisions, seconds) = lag();
            streamingGauge.Set(streaming() ? 1 : 0);
            lagRevisions.Set(revisions);
            lagSeconds.Set(seconds);
        });
    }

    public void Committed(long lastRevision)
    {
        _lastRevision.Set(lastRevision);
        _segments.Inc();
    }

    public void Gap() => _gaps.Inc();

    public void Failed() => _failures.Inc();
}

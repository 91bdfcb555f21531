using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace EtcdAgent.Continuous;

/// <summary>
/// Cuts a stream of revisions into segments: one is committed every <see cref="CaptureSettings.Interval"/> after its
/// first revision arrived, or as soon as it holds <see cref="CaptureSettings.MaxBytes"/>, whichever comes first —
/// so an idle cluster writes nothing and a busy one at most one segment per interval plus the size cuts. When the
/// stream ends or fails, or the capture is stopped, the revisions already received are committed first: they are
/// whole, and losing them would only widen the next hole.
/// </summary>
internal sealed partial class CaptureLoop(SegmentWriter writer, CaptureSettings settings, TimeProvider time, ILogger logger)
{
    private string? _previous;

    /// <summary>The chain's last committed segment when this capture resumes it (null: the chain is empty).</summary>
    public SegmentManifest? ResumeAfter { get; init; }

    /// <summary>Told of each revision as it arrives (before it is committed).</summary>
    public Action<RevisionEvents>? OnReceived { get; init; }

    /// <summary>Told after each commit: the segment's manifest.</summary>
    public Action<SegmentManifest>? OnCommitted { get; init; }

    /// <summary>
    /// Captures <paramref name="revisions"/> into the chain of <paramref name="baseId"/> until the stream ends, fails
    /// or <paramref name="cancellationToken"/> fires; returns the last committed revision.
    /// </summary>
    public async Task<long> RunAsync(IAsyncEnumerable<RevisionEvents> revisions, string baseId, long baseRevision, long lastCommitted,
        CancellationToken cancellationToken)
    {
        _previous = ResumeAfter is { } resumed ? SegmentLayout.Name(resumed.FirstRevision, resumed.LastRevision) : null;
        var channel = Channel.CreateBounded<RevisionEvents>(new BoundedChannelOptions(4096) { SingleReader = true, SingleWriter = true });
        using var stopPump = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pump = Task.Run(() => PumpAsync(revisions, channel.Writer, stopPump.Token), CancellationToken.None);
        var pending = new List<RevisionEvents>();
        long bytes = 0;
        long dueAt = 0;
        try
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await WaitAsync(channel.Reader, pending.Count == 0 ? null : TimeUntil(dueAt), cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    lastCommitted = await CommitAsync(pending, baseId, baseRevision, lastCommitted, cancellationToken).ConfigureAwait(false);
                    bytes = 0;
                    continue;
                }

                if (!more)
                {
                    break;
                }

                while (channel.Reader.TryRead(out var revision))
                {
                    if (pending.Count == 0)
                    {
                        dueAt = time.GetTimestamp() + (long)(settings.Interval.TotalSeconds * time.TimestampFrequency);
                    }

                    pending.Add(revision);
                    OnReceived?.Invoke(revision);
                    bytes += revision.EncodedSize;
                    if (bytes >= settings.MaxBytes)
                    {
                        lastCommitted = await CommitAsync(pending, baseId, baseRevision, lastCommitted, cancellationToken).ConfigureAwait(false);
                        bytes = 0;
                    }
                }
            }
        }
        finally
        {
            await stopPump.CancelAsync().ConfigureAwait(false);
            await Task.WhenAny(pump).ConfigureAwait(false);
            if (pending.Count > 0)
            {
                // Received and whole: committed even when stopping (bounded, so a dead store cannot hold up a stop).
                using var grace = new CancellationTokenSource(settings.CommitOnStop, time);
                try
                {
                    lastCommitted = await CommitAsync(pending, baseId, baseRevision, lastCommitted, grace.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    Log.CommitOnStopFailed(logger, pending[0].Revision, pending[^1].Revision, ex.Message);
                }
            }
        }

        await pump.ConfigureAwait(false); // the stream's own failure (compaction, a broken watch) is the caller's
        return lastCommitted;
    }

    private TimeSpan TimeUntil(long dueAt)
    {
        var left = dueAt - time.GetTimestamp();
        return left <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds((double)left / time.TimestampFrequency);
    }

    private async Task<bool> WaitAsync(ChannelReader<RevisionEvents> reader, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        if (timeout is null)
        {
            return await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false);
        }

        if (timeout <= TimeSpan.Zero)
        {
            throw new TimeoutException();
        }

        using var due = new CancellationTokenSource(timeout.Value, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, due.Token);
        try
        {
            return await reader.WaitToReadAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (due.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException();
        }
    }

    private async Task<long> CommitAsync(List<RevisionEvents> pending, string baseId, long baseRevision, long lastCommitted,
        CancellationToken cancellationToken)
    {
        var manifest = await writer.WriteAsync(baseId, baseRevision, pending, _previous, cancellationToken).ConfigureAwait(false);
        _previous = SegmentLayout.Name(manifest.FirstRevision, manifest.LastRevision);
        pending.Clear();
        OnCommitted?.Invoke(manifest);
        Log.Committed(logger, manifest.FirstRevision, manifest.LastRevision, manifest.Stored.Size);
        return Math.Max(lastCommitted, manifest.LastRevision);
    }

    private static async Task PumpAsync(IAsyncEnumerable<RevisionEvents> revisions, ChannelWriter<RevisionEvents> target, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var revision in revisions.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                await target.WriteAsync(revision, cancellationToken).ConfigureAwait(false);
            }

            target.TryComplete();
        }
        catch (Exception ex)
        {
            target.TryComplete(ex);
            throw;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 120, Level = LogLevel.Debug, Message = "segment committed: revisions {First}..{Last}, {Bytes} bytes stored")]
        public static partial void Committed(ILogger logger, long first, long last, long bytes);

        [LoggerMessage(EventId = 121, Level = LogLevel.Warning, Message = "stopping: revisions {First}..{Last} received but not committed ({Reason}); the next writer captures them again from the last committed segment")]
        public static partial void CommitOnStopFailed(ILogger logger, long first, long last, string reason);
    }
}

/// <summary>How a chain is cut into segments.</summary>
internal sealed record CaptureSettings(TimeSpan Interval, long MaxBytes)
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(5);

    public const long DefaultMaxBytes = 8L << 20;

    /// <summary>How long a stop may spend committing what was received.</summary>
    public TimeSpan CommitOnStop { get; init; } = TimeSpan.FromSeconds(5);
}

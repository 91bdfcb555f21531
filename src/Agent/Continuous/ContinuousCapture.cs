using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Configuration;
using EtcdAgent.Coordination;
using EtcdAgent.Manifests;
using EtcdAgent.Protocol.Etcd;
using EtcdAgent.Storage;
using Microsoft.Extensions.Logging;

namespace EtcdAgent.Continuous;

/// <summary>
/// The writer's side of continuous backup, run while this agent holds the stream lock: extend the chain of the newest
/// full backup from its last committed revision + 1 (a holder that died left off there; a hole inside the chain is
/// filled again if etcd still has those revisions), start a new chain as soon as a newer full backup exists, and when
/// etcd has compacted what the chain needs next, report the gap and ask for a full backup at once: the chain cannot go
/// on, and the new backup starts the next one. Failures (etcd or the store down) are retried from the chain's end.
/// </summary>
internal sealed partial class ContinuousCapture(EtcdClient client, Uri endpoint, IObjectStore store, AgentOptions options, EncryptionKey? key,
    CaptureProgress progress, TimeProvider time, ILogger logger)
{
    /// <summary>How often the store itself is checked for a newer backup (the announcement key is read every interval).</summary>
    public static readonly TimeSpan StoreCheckInterval = TimeSpan.FromMinutes(5);

    /// <summary>How long a requested full backup is waited for before it is asked for again.</summary>
    public static readonly TimeSpan FullBackupWait = TimeSpan.FromMinutes(10);

    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(1);

    /// <summary>Asks the daemon for a full backup now (a chain cannot start or go on without one).</summary>
    public Func<CancellationToken, Task>? RequestFullBackup { get; init; }

    /// <summary>Told of each committed segment.</summary>
    public Action<SegmentManifest>? OnCommitted { get; init; }

    /// <summary>Told when revisions were lost to compaction: from, to.</summary>
    public Action<long, long>? OnGap { get; init; }

    /// <summary>Told when capturing failed and is retried.</summary>
    public Action? OnFailure { get; init; }

    /// <summary>Captures until <paramref name="held"/> fires (the lock lost or the daemon stopping).</summary>
    public async Task RunAsync(CancellationToken held)
    {
        var backoff = FirstBackoff;
        while (true)
        {
            held.ThrowIfCancellationRequested();
            try
            {
                var newest = Newest(await BackupCatalog.LoadAsync(store, options.Cluster, held).ConfigureAwait(false));
                if (newest is null)
                {
                    Log.NoBase(logger, options.Cluster);
                    await AwaitFullBackupAsync(null, held).ConfigureAwait(false);
                    continue;
                }

                await CaptureChainAsync(newest, held).ConfigureAwait(false);
                backoff = FirstBackoff;
            }
            catch (OperationCanceledException) when (held.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                OnFailure?.Invoke();
                Log.Failed(logger, ex.Message, backoff.TotalSeconds);
                await Task.Delay(backoff, time, held).ConfigureAwait(false);
                backoff = backoff * 2 > MaxBackoff ? MaxBackoff : backoff * 2;
            }
        }
    }

    /// <summary>How long the old chain may take to receive the new base's revision before the switch (a watch far behind).</summary>
    private static readonly TimeSpan ReachTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Waits (bounded) until the watch delivered <paramref name="revision"/>, or the capture ended.</summary>
    private async Task ReachAsync(long revision, Task capture, CancellationToken held)
    {
        var started = time.GetTimestamp();
        while (progress.LastReceived < revision && !capture.IsCompleted && time.GetElapsedTime(started) < ReachTimeout)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), time, held).ConfigureAwait(false);
        }
    }

    /// <summary>Extends <paramref name="baseBackup"/>'s chain until a newer backup exists (then returns) or capture fails.</summary>
    private async Task CaptureChainAsync(BackupManifest baseBackup, CancellationToken held)
    {
        var (chain, damaged) = await SegmentCatalog.LoadAsync(store, options.Cluster, baseBackup, held).ConfigureAwait(false);
        foreach (var (segmentKey, problem) in damaged)
        {
            Log.Damaged(logger, segmentKey, problem);
        }

        foreach (var gap in chain.Gaps)
        {
            Log.Hole(logger, baseBackup.Id, gap.From, gap.To);
        }

        var from = chain.LastRevision + 1;
        progress.Started(chain.LastRevision);
        Log.Capturing(logger, baseBackup.Id, from);
        using var writer = new SegmentWriter(options.Cluster, options.Node, options.Backup.Compression, options.Backup.Level, key, store);
        var loop = new CaptureLoop(writer, new CaptureSettings(options.Continuous.Interval, options.Continuous.MaxSegmentBytes), time, logger)
        {
            ResumeAfter = chain.Path.Count == 0 ? null : chain.Path[^1],
            OnReceived = progress.Received,
            OnCommitted = segment =>
            {
                progress.Committed(segment);
                OnCommitted?.Invoke(segment);
            },
        };

        using var session = CancellationTokenSource.CreateLinkedTokenSource(held);
        var newer = NewerBackupAsync(baseBackup, session.Token);
        var capture = loop.RunAsync(RevisionWatch.ReadAsync(client, endpoint, from, time, progress.Head, session.Token),
            baseBackup.Id, baseBackup.Revision, chain.LastRevision, session.Token);
        try
        {
            if (await Task.WhenAny(capture, newer).ConfigureAwait(false) == newer && newer.IsCompletedSuccessfully)
            {
                // The old chain gets what was received (committed on the way out); the new one starts at its base + 1.
                // It must first have received the new base's revision: a backup can be announced before the watch
                // delivered the writes under it, and revisions between the old chain's end and the new base would
                // then be reachable by no restore (only as part of the base's snapshot).
                await ReachAsync(newer.Result.Revision, capture, held).ConfigureAwait(false);
                await session.CancelAsync().ConfigureAwait(false);
                await CatchCancelled(capture).ConfigureAwait(false);
                Log.NewChain(logger, newer.Result.Id, newer.Result.Revision, progress.LastCommitted);
                return;
            }

            await capture.ConfigureAwait(false);
            throw new InvalidOperationException("the watch ended without an error; resuming from the chain's end");
        }
        catch (CompactedException ex)
        {
            var gapTo = Math.Max(ex.CompactedAt - 1, from);
            OnGap?.Invoke(from, gapTo);
            Log.Compacted(logger, baseBackup.Id, from, ex.CompactedAt);
            await session.CancelAsync().ConfigureAwait(false);
            await CatchCancelled(newer).ConfigureAwait(false);
            await AwaitFullBackupAsync(baseBackup, held).ConfigureAwait(false);
        }
        finally
        {
            await session.CancelAsync().ConfigureAwait(false);
            await CatchCancelled(newer).ConfigureAwait(false);
        }
    }

    /// <summary>Asks for a full backup and waits (bounded) until one newer than <paramref name="current"/> is in the store.</summary>
    private async Task AwaitFullBackupAsync(BackupManifest? current, CancellationToken held)
    {
        if (RequestFullBackup is { } request)
        {
            await request(held).ConfigureAwait(false);
        }

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(held);
        wait.CancelAfter(FullBackupWait);
        try
        {
            await NewerBackupAsync(current, wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!held.IsCancellationRequested)
        {
            Log.StillWaiting(logger, FullBackupWait.TotalMinutes);
        }
    }

    /// <summary>
    /// Completes with the first stored backup newer than <paramref name="current"/>: the announcement key is read every
    /// interval (its header also tells the lag how far the cluster is), the store listed every
    /// <see cref="StoreCheckInterval"/>. Either way the backup counts only once its manifest is read from the store.
    /// </summary>
    private async Task<BackupManifest> NewerBackupAsync(BackupManifest? current, CancellationToken cancellationToken)
    {
        var poll = options.Continuous.Interval < TimeSpan.FromSeconds(2) ? TimeSpan.FromSeconds(2) : options.Continuous.Interval;
        var nextStoreCheck = time.GetUtcNow() + StoreCheckInterval;
        var ignored = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            await Task.Delay(poll, time, cancellationToken).ConfigureAwait(false);
            try
            {
                var (announced, head) = await BackupAnnouncement.ReadAsync(client, options.Cluster, cancellationToken).ConfigureAwait(false);
                progress.Head(head);
                if (announced is not null && announced.Id != current?.Id && announced.Revision > (current?.Revision ?? 0) && ignored.Add(announced.Id)
                    && await FindAsync(announced.Id, cancellationToken).ConfigureAwait(false) is { } found && found.Revision > (current?.Revision ?? 0))
                {
                    return found;
                }

                if (time.GetUtcNow() >= nextStoreCheck)
                {
                    nextStoreCheck = time.GetUtcNow() + StoreCheckInterval;
                    var newest = Newest(await BackupCatalog.LoadAsync(store, options.Cluster, cancellationToken).ConfigureAwait(false));
                    if (newest is not null && newest.Id != current?.Id && newest.Revision > (current?.Revision ?? 0))
                    {
                        return newest;
                    }
                }
            }
            catch (Exception ex) when (ex is EtcdRpcException or StoreException or IOException or HttpRequestException)
            {
                Log.CheckFailed(logger, ex.Message); // a hint missed; the capture itself goes on
            }
        }
    }

    private async Task<BackupManifest?> FindAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            return await BackupCatalog.FindAsync(store, options.Cluster, id, cancellationToken).ConfigureAwait(false);
        }
        catch (ConfigurationException)
        {
            return null; // announced but not (or not soundly) in the store: not a base
        }
    }

    private static BackupManifest? Newest(BackupCatalog catalog) => catalog.Backups.Count == 0 ? null : catalog.Backups[0];

    private static async Task CatchCancelled(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 122, Level = LogLevel.Information, Message = "Continuous: capturing the chain of backup {Id} from revision {From}")]
        public static partial void Capturing(ILogger logger, string id, long from);

        [LoggerMessage(EventId = 123, Level = LogLevel.Information, Message = "Continuous: backup {Id} (revision {Revision}) starts a new chain; the previous one ends at revision {Last}")]
        public static partial void NewChain(ILogger logger, string id, long revision, long last);

        [LoggerMessage(EventId = 124, Level = LogLevel.Error, Message = "Continuous: GAP — etcd has compacted its history up to revision {CompactedAt}, so the chain of backup {Id} cannot go on from revision {From}; the revisions in between cannot be restored. Taking a full backup now to start a new chain")]
        public static partial void Compacted(ILogger logger, string id, long from, long compactedAt);

        [LoggerMessage(EventId = 125, Level = LogLevel.Information, Message = "Continuous: no full backup of cluster '{Cluster}' yet; a chain starts from one. Asking for a backup now")]
        public static partial void NoBase(ILogger logger, string cluster);

        [LoggerMessage(EventId = 126, Level = LogLevel.Warning, Message = "Continuous: capture failed ({Reason}); resuming from the chain's last committed revision in {Seconds}s")]
        public static partial void Failed(ILogger logger, string reason, double seconds);

        [LoggerMessage(EventId = 127, Level = LogLevel.Warning, Message = "Continuous: segment manifest {Key} is damaged and not part of the chain: {Problem}")]
        public static partial void Damaged(ILogger logger, string key, string problem);

        [LoggerMessage(EventId = 128, Level = LogLevel.Warning, Message = "Continuous: the chain of backup {Id} has a hole at revisions {From}..{To}; capturing again from its start if etcd still has them")]
        public static partial void Hole(ILogger logger, string id, long from, long to);

        [LoggerMessage(EventId = 129, Level = LogLevel.Warning, Message = "Continuous: no new full backup after {Minutes} minutes; asking again")]
        public static partial void StillWaiting(ILogger logger, double minutes);

        [LoggerMessage(EventId = 130, Level = LogLevel.Debug, Message = "Continuous: checking for a newer backup failed: {Reason}")]
        public static partial void CheckFailed(ILogger logger, string reason);
    }
}

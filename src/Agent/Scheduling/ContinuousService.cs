using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Configuration;
using EtcdAgent.Continuous;
using EtcdAgent.Coordination;
using EtcdAgent.Diagnostics;
using EtcdAgent.Etcd;
using EtcdAgent.Protocol.Etcd;
using EtcdAgent.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;

namespace EtcdAgent.Scheduling;

/// <summary>
/// continuous.enabled: every agent competes for the stream lock; the one holding it runs <see cref="ContinuousCapture"/>
/// against its local member until it stops or loses the lock, and the others keep asking, so when the writer dies the
/// next one takes over within the lock's TTL plus one retry. A full backup the capture needs (no backup yet, or etcd
/// compacted past the chain's end) is asked of the scheduler as a one-off backup tick, so it goes through the same
/// lock, retries and metrics as a scheduled one.
/// </summary>
internal sealed partial class ContinuousService(AgentOptions options, EtcdClient client, EtcdConnectionSettings connection, IObjectStore store,
    Lazy<KeyringService> keys, DaemonMetrics metrics, ISchedulerFactory schedulers, TimeProvider time, ILoggerFactory loggers) : BackgroundService
{
    /// <summary>How long a dead writer keeps the lock: the takeover delay.</summary>
    public static readonly TimeSpan LockTtl = TimeSpan.FromSeconds(10);

    /// <summary>How often an agent that is not the writer asks for the lock.</summary>
    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(3);

    private readonly ILogger _logger = loggers.CreateLogger("EtcdAgent.Continuous");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var progress = new CaptureProgress(time);
        var stream = metrics.EnableStream(() => progress.Streaming, progress.Lag);
        string? lastHolder = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var (handle, holder) = await StreamLock.TryAcquireAsync(client, options.Cluster, options.Node, time.GetUtcNow(), LockTtl, stoppingToken).ConfigureAwait(false);
                if (handle is null)
                {
                    if (holder != lastHolder)
                    {
                        Log.HeldByOther(_logger, holder!);
                        lastHolder = holder;
                    }

                    await Task.Delay(RetryInterval, time, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                lastHolder = null;
                await using (handle.ConfigureAwait(false))
                {
                    await CaptureWhileHeldAsync(handle, progress, stream, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                stream.Failed();
                Log.LockFailed(_logger, ex.Message);
                await Task.Delay(RetryInterval, time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task CaptureWhileHeldAsync(HeldLease handle, CaptureProgress progress, StreamMetrics stream, CancellationToken stoppingToken)
    {
        Log.Writer(_logger, options.Node);
        using var held = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        _ = handle.Lost.ContinueWith(
            _ =>
            {
                try
                {
                    held.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // The capture ended first.
                }
            },
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        var capture = new ContinuousCapture(client, connection.Endpoints[0], store, options, keys.Value.Current, progress, time, _logger)
        {
            RequestFullBackup = RequestFullBackupAsync,
            OnCommitted = segment => stream.Committed(segment.LastRevision),
            OnGap = (_, _) => stream.Gap(),
            OnFailure = stream.Failed,
        };
        try
        {
            await capture.RunAsync(held.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested && handle.Lost.IsCompleted)
        {
            Log.LockLost(_logger, await handle.Lost.ConfigureAwait(false));
        }
        finally
        {
            progress.Stopped();
        }
    }

    private async Task RequestFullBackupAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        await scheduler.ScheduleJob(DaemonSchedule.OneShot(DaemonSchedule.BackupJobKey, now, now), cancellationToken: cancellationToken).ConfigureAwait(false);
        Log.FullBackupRequested(_logger, now);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 131, Level = LogLevel.Information, Message = "Continuous: this node ({Node}) is the cluster's writer")]
        public static partial void Writer(ILogger logger, string node);

        [LoggerMessage(EventId = 132, Level = LogLevel.Information, Message = "Continuous: the stream is written by {Holder}; standing by")]
        public static partial void HeldByOther(ILogger logger, string holder);

        [LoggerMessage(EventId = 133, Level = LogLevel.Warning, Message = "Continuous: the stream lock was lost ({Reason}); stopped writing, standing by")]
        public static partial void LockLost(ILogger logger, string reason);

        [LoggerMessage(EventId = 134, Level = LogLevel.Warning, Message = "Continuous: cannot compete for the stream lock: {Reason}")]
        public static partial void LockFailed(ILogger logger, string reason);

        [LoggerMessage(EventId = 135, Level = LogLevel.Information, Message = "Continuous: full backup requested (tick {Tick})")]
        public static partial void FullBackupRequested(ILogger logger, DateTimeOffset tick);
    }
}

using EtcdAgent.Codecs;
using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Configuration;
using EtcdAgent.Diagnostics;
using EtcdAgent.Etcd;
using EtcdAgent.Manifests;
using EtcdAgent.Output;
using EtcdAgent.Protocol.Etcd;
using EtcdAgent.Storage;
using EtcdAgent.Verification;
using Microsoft.Extensions.Logging;

namespace EtcdAgent.Snapshots;

/// <summary>
/// `backup create`, for the CLI and the daemon alike (docs/architecture.md invariant 4): one member's snapshot streams
/// into a spool file (sha256 recomputed) and, at the same time, through compress → encrypt into a multipart upload.
/// When the stream ends the spool file's structure is walked while the upload finishes; the upload completes only
/// if the trailer and structure checks passed, and the manifest — the only thing that makes a backup visible — is
/// written last (invariant 1). A verified snapshot whose upload failed stays in the spool; nothing is lost.
/// Every step puts its <see cref="FailureStage"/> on what fails in it, for the daemon's metrics, log and webhook.
/// </summary>
internal sealed partial class BackupPipeline(AgentOptions options, IObjectStore store, TimeProvider time, ILogger logger)
{
    /// <summary>
    /// The keys, loaded once by whoever runs the pipeline (the daemon at start). When not given, the pipeline loads
    /// the configured ones on first use.
    /// </summary>
    public KeyringService? Keys { get; init; }

    /// <summary>Called for every MiB encoded: the daemon's watchdog counts a streaming backup as alive.</summary>
    public Action? OnProgress { get; init; }

    /// <summary>
    /// Check the store before taking the snapshot (the CLI: fail fast on a wrong bucket). The daemon does not: with the
    /// store down it still takes and verifies the snapshot and keeps it in the spool for a later run.
    /// </summary>
    public bool ProbeStore { get; init; } = true;

    /// <summary>
    /// Why the last <see cref="CreateAsync"/> stored its backup without the recovery bundle that bundle.enabled asks
    /// for (no encryption key, unreadable files, the object's upload); null when it carried one or none was asked for.
    /// </summary>
    public string? BundleProblem { get; private set; }

    /// <summary>Takes, verifies, encodes and uploads one snapshot of <paramref name="endpoint"/>; returns its manifest.</summary>
    public async Task<BackupManifest> CreateAsync(EtcdClient client, Uri endpoint, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var createdAt = time.GetUtcNow();
        var key = EncryptionKeyToUse();
        if (ProbeStore)
        {
            await FailureStages.RunAsync(FailureStage.Upload, () => store.ProbeAsync(cancellationToken)).ConfigureAwait(false);
        }

        using var running = TakeNodeLock();
        var status = await FailureStages.RunAsync(FailureStage.Etcd, () => client.StatusAsync(endpoint, cancellationToken)).ConfigureAwait(false);
        var members = await FailureStages.RunAsync(FailureStage.Etcd, () => client.MemberListAsync(cancellationToken)).ConfigureAwait(false);
        (createdAt, var id) = await FailureStages.RunAsync(FailureStage.Upload, () => UniqueIdAsync(createdAt, status.Header.Revision, cancellationToken)).ConfigureAwait(false);
        var payloadKey = BackupLayout.PayloadKey(options.Cluster, id, options.Backup.Compression, key is not null);
        var spoolPath = PrepareSpool(id);
        var source = endpoint.Display();
        Log.Starting(logger, id, source, store.Location);

        SnapshotInfo? info = null;
        VerificationReport? report = null;
        EncodingUpload.Result? encoded = null;
        FileStream? hold = null;
        long storedBytes;
        try
        {
            storedBytes = await store.UploadAsync(payloadKey, async (upload, ct) =>
            {
                var encoding = StartEncoding(upload, key, ct);

                // If the upload fails (store down), the snapshot still streams into the spool: once verified it is
                // kept for a later run, so the moment this backup captured is not lost with the store.
                var toEncoder = new DetachOnFailureStream(encoding.Writer);
                try
                {
                    info = await WriteSpoolAsync(spoolPath, status.DbSize,
                        spool => SnapshotDownloader.DownloadAsync(client, endpoint, new TeeStream(spool, toEncoder), time, ct, status: status)).ConfigureAwait(false);
                    hold = HoldSpool(spoolPath);
                    if (!toEncoder.Detached)
                    {
                        await encoding.CompleteAsync(ct).ConfigureAwait(false);
                    }
                }
                catch (Exception ex)
                {
                    await encoding.StopAsync(ex).ConfigureAwait(false);

                    // "The encoder stopped reading" only says the other side failed: report why it did (the store
                    // is full, unreachable, ...), which is what the operator must fix.
                    if (ex is BufferHandoff.ClosedException && encoding.EncoderFailure is { } cause)
                    {
                        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(cause);
                    }

                    throw;
                }

                // The stream's garbage (HTTP/2 frames, hand-off buffers) is dead now: collect it before the structure
                // walk allocates, so the two phases' peaks do not add up in RSS.
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);

                // The structure walk overlaps the end of the encode and upload; the upload completes only after it.
                report = await FailureStages.RunAsync(FailureStage.Verify,
                    () => Task.Run(() => SnapshotVerifier.VerifyStreamed(spoolPath, info.Sha256), ct)).ConfigureAwait(false);
                if (!report.Valid)
                {
                    await encoding.StopAsync(new OperationCanceledException("verification failed")).ConfigureAwait(false);
                    throw new SnapshotException(SnapshotFault.Corrupt,
                        $"the snapshot from {endpoint.Display()} passed its sha256 check but not the structure check: {report.Fault}. " +
                        "Nothing was stored. Run `etcd-agent snapshot verify` on a fresh `snapshot save`, and check that member (etcdctl check datascale, its logs, its disk).")
                        .At(FailureStage.Verify);
                }

                encoded = await encoding.ResultAsync().ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // What the steps inside did not claim is the store's own: completing or aborting the upload.
            ex.At(FailureStage.Upload);
            var draft = report?.Valid == true
                ? BuildManifest(id, createdAt, members, info!, report, new EncodingUpload.Result(info!.TotalBytes, string.Empty, 0), payloadKey, 0, key, time.GetElapsedTime(started))
                : null;
            await KeepOrDiscardSpoolAsync(spoolPath, draft, ex).ConfigureAwait(false);
            hold?.Dispose();
            throw;
        }

        var manifest = BuildManifest(id, createdAt, members, info!, report!, encoded!, payloadKey, storedBytes, key, time.GetElapsedTime(started));
        try
        {
            // Inside this try: a stop (SIGTERM) while the bundle is made keeps the verified snapshot in the spool with
            // its draft, as a failed manifest write does.
            manifest = manifest with { Bundle = await BundleAsync(id, key, cancellationToken).ConfigureAwait(false) };
            await store.PutAsync(BackupLayout.ManifestKey(options.Cluster, id), manifest.ToJson(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The payload is in the store but invisible (no manifest): prune removes it after the orphan grace.
            ex.At(FailureStage.Manifest);
            await KeepOrDiscardSpoolAsync(spoolPath, manifest, ex).ConfigureAwait(false);
            hold?.Dispose();
            throw;
        }

        TryDelete(spoolPath);
        hold?.Dispose();
        Log.Created(logger, id, manifest.Raw.Size, manifest.Stored.Size, manifest.DurationSeconds);
        return manifest;
    }

    /// <summary>
    /// The recovery bundle of this node's control-plane files, stored beside the snapshot before the manifest. It holds
    /// the cluster's CA and service-account private keys, so it is never stored without encryption. Whatever goes wrong
    /// with it, the verified snapshot is still stored: the backup is made, without a bundle, and the reason is logged
    /// as an error, set in <see cref="BundleProblem"/> and (daemon) in etcd_agent_last_backup_bundle.
    /// </summary>
    private async Task<Manifests.BundleInfo?> BundleAsync(string id, Codecs.Encryption.EncryptionKey? key, CancellationToken cancellationToken)
    {
        BundleProblem = null;
        if (!options.Bundle.Enabled)
        {
            return null;
        }

        if (key is null)
        {
            BundleProblem = "it holds the cluster's CA and service-account private keys and no encryption key is configured, and etcd-agent never stores it " +
                "in plain text; create a key (`etcd-agent key generate FILE`), set backup.encryption.keyFile, and keep a copy of the key off the cluster";
        }
        else
        {
            try
            {
                var bundle = await Bundle.BundleObject.StoreAsync(store, options, id, key, cancellationToken).ConfigureAwait(false);
                Log.BundleStored(logger, id, bundle.Files.Count, bundle.Missing.Count, bundle.Size);
                return bundle;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                BundleProblem = ex.Message;
            }
        }

        Log.BundleNotStored(logger, id, BundleProblem);
        return null;
    }

    /// <summary>
    /// One backup at a time on this node, whoever started it (the daemon, `backup create`, a second shell): two would
    /// race for one id and one spool file. The lock is an flock on the spool directory itself (<see cref="DirectoryLock"/>).
    /// Ids name the node, so other nodes cannot collide with ours.
    /// </summary>
    private EncryptionKey? EncryptionKeyToUse() => (Keys ?? KeyringService.Load(options.Backup)).Current;

    private DirectoryLock TakeNodeLock()
    {
        var dir = PrepareSpoolDirectory();
        return DirectoryLock.TryTake(dir) ?? throw new Coordination.BusyException(
            $"another backup is running on this node (it holds the lock on {dir}): wait for it to finish and retry").At(FailureStage.Lock);
    }

    /// <summary>
    /// Ids have a one-second resolution: a second backup of the same revision in the same second (a retry, a
    /// `backup create` right after the daemon's) would land on the first one's keys. The node lock is held, so
    /// waiting for the next second while the id's folder is taken gives each backup its own.
    /// </summary>
    private async Task<(DateTimeOffset CreatedAt, string Id)> UniqueIdAsync(DateTimeOffset createdAt, long revision, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var id = BackupLayout.NewId(createdAt, options.Node, revision);
            if (!await FolderTakenAsync(id, cancellationToken).ConfigureAwait(false) || attempt == 3)
            {
                return (createdAt, id);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(1000 - createdAt.Millisecond), time, cancellationToken).ConfigureAwait(false);
            createdAt = time.GetUtcNow();
        }
    }

    private async Task<bool> FolderTakenAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var _ in store.ListAsync($"{options.Cluster}/{id}/", cancellationToken).ConfigureAwait(false))
            {
                return true;
            }
        }
        catch (StoreException) when (!ProbeStore)
        {
            // The daemon backs up into the spool while the store is down; the spool's own file names the collision.
        }

        return false;
    }

    /// <summary>The encoder of one payload, with the configured codecs (the spool backlog gets today's, not its day's).</summary>
    private EncodingUpload StartEncoding(Stream upload, EncryptionKey? key, CancellationToken ct) =>
        EncodingUpload.Start(upload, options.Backup.Compression, options.Backup.Level, key, OnProgress, ct);

    private BackupManifest BuildManifest(string id, DateTimeOffset createdAt, Etcdserverpb.MemberListResponse members, SnapshotInfo info,
        VerificationReport report, EncodingUpload.Result encoded, string payloadKey, long storedBytes, EncryptionKey? key, TimeSpan duration)
    {
        var self = members.Members.FirstOrDefault(m => m.ID == info.MemberId);
        var status = report.Status!;
        return new BackupManifest
        {
            FormatVersion = BackupManifest.CurrentFormatVersion,
            Id = id,
            Cluster = new ClusterInfo(options.Cluster, Hex.Id(info.ClusterId)),
            Source = new SourceInfo(Hex.Id(info.MemberId), self?.Name ?? string.Empty, info.Endpoint.Display()),
            Members = members.Members.Select(m => new MemberInfo(Hex.Id(m.ID), m.Name, [.. m.PeerURLs], [.. m.ClientURLs], m.IsLearner)).ToList(),
            EtcdVersion = info.EtcdVersion,

            // What the file holds (at least the revision asked for; the id carries the one asked for).
            Revision = status.Revision,
            RaftIndex = info.RaftIndex,
            RaftTerm = info.RaftTerm,
            Status = new StatusInfo(status.Hash, status.Revision, status.TotalKey, status.TotalSize, status.LiveKeys),
            // The downloader hashed every byte once: the data for the trailer check, then the whole file.
            Raw = new ContentInfo(info.FileSha256, encoded.RawBytes),
            Stored = new StoredInfo(payloadKey, encoded.StoredSha256, storedBytes),
            Codecs = new CodecInfo(options.Backup.Compression.ToString().ToLowerInvariant(), options.Backup.Level,
                key is null ? null : "aes-256-gcm", key?.IdHex),
            CreatedAt = createdAt,
            DurationSeconds = Math.Round(duration.TotalSeconds, 3),
            AgentVersion = BuildInfo.Version,
            Node = options.Node,
        };
    }

    private string PrepareSpool(string id) => Path.Combine(PrepareSpoolDirectory(), id + ".db");

    private string PrepareSpoolDirectory()
    {
        var dir = options.Backup.SpoolDir;
        try
        {
            Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"cannot create the spool directory {dir} ({ex.Message}); create it (mode 0700) or set backup.spoolDir", ex)
                .At(FailureStage.Spool);
        }

        return dir;
    }

    /// <summary>
    /// Streams the snapshot into the spool file. The spool filling up is reported as the spool (its path, the bytes the
    /// snapshot needs: etcd's db size, and backup.spoolDir), never as whatever store the bytes were also going to.
    /// Stages: writing the file is the spool's, the rest of the download the snapshot's (or verify's, for the trailer).
    /// </summary>
    private async Task<SnapshotInfo> WriteSpoolAsync(string spoolPath, long dbSize, Func<Stream, Task<SnapshotInfo>> download)
    {
        try
        {
            return await AtomicFile.WriteAsync(spoolPath, overwrite: false,
                spool => FailureStages.RunAsync(FailureStage.Snapshot, () => download(new StagedWriteStream(spool, FailureStage.Spool))),
                warning => Log.SpoolWarning(logger, warning), durable: false).ConfigureAwait(false);
        }
        catch (IOException ex) when (LocalIo.IsDiskFull(ex))
        {
            throw new WorkDirectoryFullException("spool directory", options.Backup.SpoolDir, dbSize,
                "a snapshot of this member (etcd's db size)", "Nothing was stored.", "backup.spoolDir", ex).At(FailureStage.Spool);
        }
        catch (Exception ex)
        {
            ex.At(FailureStage.Spool); // creating, syncing or renaming the spool file
            throw;
        }
    }

    /// <summary>
    /// A shared flock on the finished spool file until it is stored or kept: it tells a daemon starting meanwhile (or
    /// doctor) that this draft-less snapshot is in use, not a crash's leftover (<see cref="SpoolLeftovers"/>). Best
    /// effort: without it the backup still works.
    /// </summary>
    private static FileStream? HoldSpool(string spoolPath)
    {
        try
        {
            return new FileStream(spoolPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private async Task KeepOrDiscardSpoolAsync(string spoolPath, BackupManifest? draft, Exception error)
    {
        if (draft is not null && File.Exists(spoolPath))
        {
            try
            {
                // Written without fsync (it is normally deleted at once); now it is the only good copy. The draft
                // manifest beside it lets a later run upload it as the backup it is (UploadSpooledAsync); it is
                // written whole or not at all, so a crash never leaves a draft that cannot be read.
                AtomicFile.MakeDurable(spoolPath);
                await AtomicFile.WriteAsync(spoolPath + DraftSuffix, overwrite: true,
                    async stream =>
                    {
                        await stream.WriteAsync(draft.ToJson()).ConfigureAwait(false);
                        return 0;
                    },
                    warning => Log.SpoolWarning(logger, warning)).ConfigureAwait(false);
                EnforceSpoolBound();
            }
            catch (Exception ex) when (ex is IOException or Configuration.ConfigurationException)
            {
                Log.SpoolWarning(logger, $"keeping {spoolPath} failed: {ex.Message}");
            }

            Log.SpoolKept(logger, spoolPath, error.Message);
        }
        else
        {
            TryDelete(spoolPath);
        }
    }

    /// <summary>
    /// Uploads verified snapshots that an earlier run kept in the spool because storing them failed, oldest first,
    /// each as the backup it was (its id, revision and creation time), with the current codecs. Stops at the first
    /// failure (the store is still down): they stay for the next run. Returns how many were stored.
    /// </summary>
    public async Task<int> UploadSpooledAsync(CancellationToken cancellationToken)
    {
        var dir = options.Backup.SpoolDir;
        if (!Directory.Exists(dir))
        {
            return 0;
        }

        var stored = 0;
        var key = EncryptionKeyToUse();

        // Only verified snapshots with a readable draft; what a crash left besides is the daemon's start-up cleanup's.
        foreach (var entry in SpoolLeftovers.Scan(dir).Where(e => e.Kind == SpoolEntryKind.Pending))
        {
            var spoolPath = entry.Path;
            var draftPath = spoolPath + DraftSuffix;
            var draft = await FailureStages.RunAsync(FailureStage.Spool,
                async () => BackupManifest.Parse(await File.ReadAllBytesAsync(draftPath, cancellationToken).ConfigureAwait(false), draftPath)).ConfigureAwait(false);

            var payloadKey = BackupLayout.PayloadKey(options.Cluster, draft.Id, options.Backup.Compression, key is not null);
            EncodingUpload.Result? encoded = null;
            var size = await FailureStages.RunAsync(FailureStage.Upload, () => store.UploadAsync(payloadKey, async (upload, ct) =>
            {
                // Opened before the encoder starts: a spool file that cannot be opened leaves no encoder running.
                var file = new FileStream(spoolPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan | FileOptions.Asynchronous);
                await using (file.ConfigureAwait(false))
                {
                    var encoding = StartEncoding(upload, key, ct);
                    var raw = HashingStream.ForReading(file);
                    await using (raw.ConfigureAwait(false))
                    {
                        try
                        {
                            await raw.CopyToAsync(encoding.Writer, 1 << 20, ct).ConfigureAwait(false);
                            await encoding.CompleteAsync(ct).ConfigureAwait(false);
                        }
                        catch (Exception ex)
                        {
                            await encoding.StopAsync(ex).ConfigureAwait(false);
                            throw;
                        }

                        encoded = await encoding.ResultAsync().ConfigureAwait(false);

                        // The spool file sat on a local disk for a while: it must still be the bytes that were verified.
                        if (raw.Sha256Hex() != draft.Raw.Sha256)
                        {
                            throw new SnapshotException(SnapshotFault.Corrupt, $"spooled snapshot {spoolPath} changed on disk since it was verified; it was not stored")
                                .At(FailureStage.Verify);
                        }
                    }
                }
            }, cancellationToken)).ConfigureAwait(false);

            var manifest = draft with
            {
                Stored = new StoredInfo(payloadKey, encoded!.StoredSha256, size),
                Codecs = new CodecInfo(options.Backup.Compression.ToString().ToLowerInvariant(), options.Backup.Level, key is null ? null : "aes-256-gcm", key?.IdHex),
            };
            await FailureStages.RunAsync(FailureStage.Manifest,
                () => store.PutAsync(BackupLayout.ManifestKey(options.Cluster, draft.Id), manifest.ToJson(), cancellationToken)).ConfigureAwait(false);
            TryDelete(draftPath);
            TryDelete(spoolPath);
            Log.SpoolUploaded(logger, draft.Id);
            stored++;
        }

        return stored;
    }

    private void EnforceSpoolBound()
    {
        var drafts = Directory.GetFiles(options.Backup.SpoolDir, "*" + DraftSuffix).Order(StringComparer.Ordinal).ToList();
        foreach (var oldest in drafts.Take(Math.Max(0, drafts.Count - options.Backup.SpoolMaxCount)))
        {
            // The spool is bounded: the oldest kept snapshot goes first, newer ones matter more in a disaster.
            TryDelete(oldest[..^DraftSuffix.Length]);
            TryDelete(oldest);
            Log.SpoolDropped(logger, oldest[..^DraftSuffix.Length], options.Backup.SpoolMaxCount);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A spool file left behind is found and cleaned by a later run; the result matters more.
        }
    }

    private const string DraftSuffix = SpoolLeftovers.DraftSuffix;

    private static partial class Log
    {
        [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "Backup {Id}: snapshot of {Endpoint} to {Store}")]
        public static partial void Starting(ILogger logger, string id, string endpoint, string store);

        [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Backup {Id} stored: {RawBytes} bytes raw, {StoredBytes} stored, {Seconds}s")]
        public static partial void Created(ILogger logger, string id, long rawBytes, long storedBytes, double seconds);

        [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "The verified snapshot stays in the spool at {Path} because storing it failed: {Reason}")]
        public static partial void SpoolKept(ILogger logger, string path, string reason);

        [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "Spooled backup {Id} is now stored")]
        public static partial void SpoolUploaded(ILogger logger, string id);

        [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Spool full: dropped the oldest kept snapshot {Path} (backup.spoolMaxCount {Max})")]
        public static partial void SpoolDropped(ILogger logger, string path, int max);

        [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "Backup {Id}: recovery bundle stored ({Files} paths, {Missing} missing, {StoredBytes} bytes encrypted)")]
        public static partial void BundleStored(ILogger logger, string id, int files, int missing, long storedBytes);

        [LoggerMessage(EventId = 2007, Level = LogLevel.Error, Message = "Backup {Id} is stored WITHOUT its recovery bundle: {Reason}")]
        public static partial void BundleNotStored(ILogger logger, string id, string? reason);

        [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Spool: {Warning}")]
        public static partial void SpoolWarning(ILogger logger, string warning);
    }
}

using EtcdAgent.Diagnostics;
using EtcdAgent.Etcd;
using EtcdAgent.Protocol.Etcd;

namespace EtcdAgent.Snapshots;

/// <summary>
/// The first stage of every backup: one member's snapshot stream into any <see cref="Stream"/> (a file, a pipe to
/// the encoder), with the sha256 trailer recomputed on the way and the size etcd announced checked. The destination
/// receives exactly the bytes etcdctl would write (data + trailer); on any failure it holds garbage and the caller
/// must discard it. The trailer and size checks are the verify stage (<see cref="FailureStage.Verify"/>).
/// </summary>
internal static class SnapshotDownloader
{
    /// <summary>
    /// How long the stream may deliver nothing before it counts as stalled. Snapshots have no overall deadline
    /// (a big one takes minutes), and etcd answers HTTP/2 pings even when its snapshot goroutine is stuck, so
    /// without this a stalled stream would hang the run and every later one.
    /// </summary>
    public static readonly TimeSpan DefaultStallTimeout = TimeSpan.FromSeconds(60);

    public static async Task<SnapshotInfo> DownloadAsync(EtcdClient client, Uri endpoint, Stream destination,
        TimeProvider time, CancellationToken cancellationToken, TimeSpan? stallTimeout = null, Etcdserverpb.StatusResponse? status = null)
    {
        var started = time.GetTimestamp();

        // Status first: which member, at which revision and raft index the snapshot was asked for (a caller that
        // needed it already, to name the backup, passes it in).
        status ??= await client.StatusAsync(endpoint, cancellationToken).ConfigureAwait(false);

        using var trailer = new Sha256Trailer();
        var memory = new GarbageCap();
        long? announced = null;
        string? snapshotVersion = null;
        var stall = stallTimeout ?? DefaultStallTimeout;
        using var idle = new CancellationTokenSource(stall, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idle.Token);
        try
        {
            // Chunks decode in place (no allocation per 32 KiB message): memory stays flat at any snapshot size.
            await foreach (var chunk in client.SnapshotChunksAsync(endpoint, linked.Token).ConfigureAwait(false))
            {
                idle.CancelAfter(stall);
                // remaining_bytes after the first blob = total - first blob: the db size etcd is about to send.
                announced ??= (long)chunk.RemainingBytes + chunk.Blob.Length;
                snapshotVersion ??= chunk.Version;
                trailer.Append(chunk.Blob.Span);
                await destination.WriteAsync(chunk.Blob, cancellationToken).ConfigureAwait(false);
                memory.Tick();
            }
        }
        catch (OperationCanceledException ex) when (idle.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new SnapshotException(SnapshotFault.StreamCut,
                $"the snapshot stream from {endpoint.Display()} stalled: no data for {stall.TotalSeconds:0.#}s after " +
                $"{trailer.TotalBytes} bytes. Nothing usable was kept. Check that member's etcd log and disk, then retry.", ex);
        }
        catch (EtcdRpcException ex) when (trailer.TotalBytes > 0)
        {
            // Once bytes have flowed, any end but OK is a broken stream, whatever code the transport gave it.
            // (Auth and connection errors arrive before the first blob and keep their own meaning.)
            throw new SnapshotException(SnapshotFault.StreamCut,
                $"the snapshot stream from {endpoint.Display()} broke after {trailer.TotalBytes} bytes ({ex.Detail}). " +
                "Nothing usable was kept. Retry; if it keeps failing, look at that member's etcd log.", ex);
        }

        var result = trailer.Complete();
        if (!result.Valid)
        {
            throw new SnapshotException(SnapshotFault.Corrupt,
                $"snapshot from {endpoint.Display()} failed its integrity check: {result.Problem}. It was discarded; retry.").At(FailureStage.Verify);
        }

        // etcd announces the db size in remaining_bytes and then sends exactly that much, then the trailer.
        if (announced is { } expected && result.DataBytes != expected)
        {
            throw new SnapshotException(SnapshotFault.Corrupt,
                $"snapshot from {endpoint.Display()} has {result.DataBytes} data bytes but etcd announced {expected}. It was discarded; retry.").At(FailureStage.Verify);
        }

        return new SnapshotInfo(
            Endpoint: endpoint,
            MemberId: status.Header.MemberId,
            ClusterId: status.Header.ClusterId,
            Revision: status.Header.Revision,
            RaftIndex: status.RaftIndex,
            RaftTerm: status.RaftTerm,
            EtcdVersion: snapshotVersion ?? status.Version,
            TotalBytes: trailer.TotalBytes,
            DataBytes: result.DataBytes,
            Sha256: Convert.ToHexStringLower(result.Computed),
            FileSha256: Convert.ToHexStringLower(result.FileSha256),
            Duration: time.GetElapsedTime(started));
    }
}

/// <summary>What a snapshot is: where it came from and what it holds.</summary>
/// <param name="Endpoint">The member's client URL the stream came from.</param>
/// <param name="MemberId">That member's id.</param>
/// <param name="ClusterId">The cluster's id.</param>
/// <param name="Revision">The member's revision when the snapshot was requested (the snapshot holds at least it).</param>
/// <param name="RaftIndex">The member's raft index at that moment.</param>
/// <param name="RaftTerm">The member's raft term at that moment.</param>
/// <param name="EtcdVersion">etcd's version (the snapshot's own on 3.6+, else the member's).</param>
/// <param name="TotalBytes">Bytes written: the bbolt file plus the 32-byte trailer.</param>
/// <param name="DataBytes">The bbolt file alone.</param>
/// <param name="Sha256">Hex sha256 of the data, equal to the trailer.</param>
/// <param name="FileSha256">Hex sha256 of the whole file, trailer included.</param>
/// <param name="Duration">From the Status call to the end of the stream.</param>
internal sealed record SnapshotInfo(Uri Endpoint, ulong MemberId, ulong ClusterId, long Revision, ulong RaftIndex, ulong RaftTerm,
    string EtcdVersion, long TotalBytes, long DataBytes, string Sha256, string FileSha256, TimeSpan Duration);

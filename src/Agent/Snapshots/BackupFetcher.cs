using EtcdAgent.Codecs;
using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Manifests;
using EtcdAgent.Storage;
using EtcdAgent.Verification;

namespace EtcdAgent.Snapshots;

/// <summary>
/// A stored backup back into a plain etcd snapshot, proven on the way: the stored bytes' sha256 and size against
/// the manifest, decryption (any key of the keyring) and decompression (bounded), the plain bytes' sha256 and size
/// against the manifest, etcd's sha256 trailer, and the bbolt structure — all before the file is renamed into
/// place. `backup download`, `backup verify`, restore and drills all fetch through here.
/// </summary>
internal static class BackupFetcher
{
    /// <summary>Fetches, decodes and proves one backup into <c>outPath</c> (0600, atomic); the progress callback gets stored bytes read.</summary>
    public static async Task<VerificationReport> FetchAsync(IObjectStore store, BackupManifest manifest, Keyring keyring,
        string outPath, bool overwrite, long maxSnapshotBytes, IProgress<long>? progress, CancellationToken cancellationToken,
        bool durable = true)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (manifest.Codecs.KeyId is { } keyId && !keyring.Contains(keyId))
        {
            throw new Configuration.ConfigurationException(
                $"backup {manifest.Id} is encrypted with key {keyId}, which is not in the keyring ({keyring.Describe()}); pass that key with --key-file (or list it in backup.encryption.oldKeyFiles)");
        }

        var body = await store.OpenPayloadAsync(manifest.Stored.Key, cancellationToken).ConfigureAwait(false);
        await using var bodyScope = body.ConfigureAwait(false);
        var stored = HashingStream.ForReading(body);
        await using var storedScope = stored.ConfigureAwait(false);
        return await AtomicFile.WriteAsync(outPath, overwrite, async target =>
        {
            // Two threads: the fetch, decryption and decompression on one, etcd's sha256 and the file write on the
            // other, through a bounded hand-off (4 MiB). On one thread these summed up (issue 21: restore's fetch
            // was the whole gap to `curl | zstd -d`).
            using var trailer = new Sha256Trailer();
            var handoff = new BufferHandoff();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var decode = Task.Run(() => DecodeIntoAsync(stored, keyring, maxSnapshotBytes, handoff, stop.Token), CancellationToken.None);
            try
            {
                await handoff.DrainAsync(async (chunk, token) =>
                {
                    trailer.Append(chunk.Span);
                    await target.WriteAsync(chunk, token).ConfigureAwait(false);
                    progress?.Report(stored.Count);
                }, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                // The drain ends when the decoder completed the stream (then this stops nothing) or failed: with the
                // decoder's own failure, which it rethrew, or with the file's (disk full), and then the decoder must
                // not wait for the store's next bytes before it notices.
                await stop.CancelAsync().ConfigureAwait(false);
                await Task.WhenAny(decode).ConfigureAwait(false);
            }

            // Disposed last: it closes the stored stream, whose sha256 is read below.
            var plain = await decode.ConfigureAwait(false);
            await using var plainScope = plain.ConfigureAwait(false);

            var storedSha = stored.Sha256Hex();
            if (stored.Count != manifest.Stored.Size || storedSha != manifest.Stored.Sha256)
            {
                throw new InvalidDataException(
                    $"backup {manifest.Id}: the stored object is {stored.Count} bytes with sha256 {storedSha}, but the manifest says {manifest.Stored.Size} bytes with {manifest.Stored.Sha256}: it changed in the store. Use another backup.");
            }

            // One sha256 pass gives both: the data's (etcd's trailer) and the whole file's (the manifest's).
            var check = trailer.Complete();
            var rawSha = Convert.ToHexStringLower(check.FileSha256);
            if (trailer.TotalBytes != manifest.Raw.Size || rawSha != manifest.Raw.Sha256)
            {
                throw new InvalidDataException(
                    $"backup {manifest.Id}: the decoded snapshot is {trailer.TotalBytes} bytes with sha256 {rawSha}, but the manifest says {manifest.Raw.Size} bytes with {manifest.Raw.Sha256}. Use another backup.");
            }

            if (!check.Valid)
            {
                throw new InvalidDataException($"backup {manifest.Id}: the decoded bytes are not a whole etcd snapshot: {check.Problem}");
            }

            await target.FlushAsync(cancellationToken).ConfigureAwait(false);
            var file = (FileStream)target;
            var report = SnapshotVerifier.VerifyStreamed(file.SafeFileHandle, outPath, Convert.ToHexStringLower(check.Computed));
            if (!report.Valid)
            {
                throw new InvalidDataException($"backup {manifest.Id}: the snapshot fails the structure check: {report.Fault}. Use another backup.");
            }

            if (report.Status!.Revision != manifest.Status.Revision || report.Status.Hash != manifest.Status.Hash)
            {
                throw new InvalidDataException(
                    $"backup {manifest.Id}: the snapshot holds revision {report.Status.Revision} (hash {report.Status.Hash}), but the manifest says {manifest.Status.Revision} (hash {manifest.Status.Hash}).");
            }

            return report;
        }, durable: durable).ConfigureAwait(false);
    }

    /// <summary>
    /// Decrypts and decompresses the stored bytes into <paramref name="handoff"/>, then reads the object to its end;
    /// returns the decoding stream, not disposed (that closes <paramref name="stored"/>).
    /// </summary>
    private static async Task<Stream> DecodeIntoAsync(HashingStream stored, Keyring keyring, long maxSnapshotBytes, BufferHandoff handoff,
        CancellationToken cancellationToken)
    {
        Stream? plain = null;
        try
        {
            var decoded = await ObjectDecoder.OpenAsync(stored, keyring, maxSnapshotBytes, cancellationToken).ConfigureAwait(false);
            plain = decoded.Plain;
            await plain.CopyToAsync(handoff.Writer, 1 << 20, cancellationToken).ConfigureAwait(false);

            // The decoders stop at their own end; anything after it in the object is a change to the object (the
            // stored sha256 and size, checked by the caller, see it).
            var rest = new byte[64 * 1024];
            while (await stored.ReadAsync(rest, cancellationToken).ConfigureAwait(false) > 0)
            {
            }

            await handoff.CompleteAsync(cancellationToken).ConfigureAwait(false);
            return plain;
        }
        catch (Exception ex)
        {
            handoff.Fail(ex);
            if (plain is not null)
            {
                await plain.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }
}

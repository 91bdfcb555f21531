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

        var body = await store.OpenReadAsync(manifest.Stored.Key, cancellationToken).ConfigureAwait(false);
        await using var bodyScope = body.ConfigureAwait(false);
        var stored = HashingStream.ForReading(body);
        await using var storedScope = stored.ConfigureAwait(false);
        return await AtomicFile.WriteAsync(outPath, overwrite, async target =>
        {
            var decoded = await ObjectDecoder.OpenAsync(stored, keyring, maxSnapshotBytes, cancellationToken).ConfigureAwait(false);
            var plain = decoded.Plain;
            await using var plainScope = plain.ConfigureAwait(false);
            using var trailer = new Sha256Trailer();
            var buffer = new byte[1 << 20];
            int n;
            while ((n = await plain.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                trailer.Append(buffer.AsSpan(0, n));
                await target.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                progress?.Report(stored.Count);
            }

            // The decoders stop at their own end; anything after it in the object is a change to the object.
            while (await stored.ReadAsync(buffer, cancellationToken).ConfigureAwait(false) > 0)
            {
            }

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
}

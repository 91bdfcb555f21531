using System.Security.Cryptography;
using EtcdAgent.Codecs;
using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Configuration;
using EtcdAgent.Manifests;
using EtcdAgent.Storage;

namespace EtcdAgent.Bundle;

/// <summary>
/// A backup's recovery bundle as an object in the store: collected, archived, compressed with the backup's codec and
/// encrypted with its key (never without one: the bundle holds the cluster's CA keys), put under the backup's own
/// prefix; and back: fetched, its stored and plain sha256 and size proven against the manifest, and every tar entry
/// matched against the manifest's file list. Control-plane files are KiB, so the whole bundle is held in memory.
/// </summary>
internal static class BundleObject
{
    /// <summary>The largest tar read back: the archiver's file bytes plus room for the tar's own headers.</summary>
    public const long MaxBytes = BundleArchiver.MaxTotalBytes + (16L << 20);

    /// <summary>Builds and stores the bundle of this node's files for backup <paramref name="id"/>; returns the manifest's bundle object.</summary>
    public static async Task<BundleInfo> StoreAsync(IObjectStore store, AgentOptions options, string id, EncryptionKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(key);
        var candidates = BundleCollector.Collect(options.Bundle);

        // Sized up front so it does not grow: each growth would leave a copy of the keys in a freed buffer.
        using var tar = new MemoryStream(BundleArchiver.EstimatedBytes(candidates));
        try
        {
            var listing = await BundleArchiver.WriteAsync(tar, candidates, cancellationToken).ConfigureAwait(false);

            var plain = tar.GetBuffer().AsMemory(0, (int)tar.Length);
            using var stored = new MemoryStream();
            var encoder = new PayloadEncoder(stored, options.Backup.Compression, options.Backup.Level, key);
            await using (encoder.ConfigureAwait(false))
            {
                await encoder.WriteAsync(plain, cancellationToken).ConfigureAwait(false);
                await encoder.FinishAsync(cancellationToken).ConfigureAwait(false);
            }

            var bytes = stored.GetBuffer().AsMemory(0, (int)stored.Length);
            var objectKey = BackupLayout.BundleKey(options.Cluster, id, options.Backup.Compression);
            await store.PutAsync(objectKey, bytes, cancellationToken).ConfigureAwait(false);
            return new BundleInfo(objectKey, Sha256(bytes.Span), bytes.Length, Sha256(plain.Span), plain.Length, key.IdHex, options.Node,
                listing.Files, listing.Missing, listing.Skipped);
        }
        finally
        {
            // The plain tar holds private keys: not left in a freed buffer for the rest of the process's life.
            CryptographicOperations.ZeroMemory(tar.GetBuffer());
        }
    }

    /// <summary>
    /// Fetches and proves the bundle of <paramref name="manifest"/>: stored bytes, decryption (it must be encrypted),
    /// plain bytes, and every entry against the file list. The caller owns the result (it zeroes the tar on dispose).
    /// </summary>
    public static async Task<FetchedBundle> FetchAsync(IObjectStore store, BackupManifest manifest, Keyring keyring, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(keyring);
        var bundle = manifest.Bundle ?? throw new BundleMissingException(
            $"backup {manifest.Id} has no recovery bundle (it was taken without bundle.enabled, or its bundle was refused: see that run's log); pick a backup whose `backup list` shows one");
        if (!keyring.Contains(bundle.KeyId))
        {
            throw new ConfigurationException(
                $"the bundle of backup {manifest.Id} is encrypted with key {bundle.KeyId}, which is not in the keyring ({keyring.Describe()}); pass that key with --key-file (or list it in backup.encryption.oldKeyFiles)");
        }

        var stored = await ReadBoundedAsync(store, bundle, manifest.Id, cancellationToken).ConfigureAwait(false);
        if (stored.Length != bundle.Size || Sha256(stored) != bundle.Sha256)
        {
            throw new InvalidDataException(
                $"backup {manifest.Id}: the bundle object is {stored.Length} bytes with sha256 {Sha256(stored)}, but the manifest says {bundle.Size} bytes with {bundle.Sha256}: it changed in the store");
        }

        var plain = new MemoryStream((int)Math.Min(Math.Max(bundle.RawSize, 0), MaxBytes)); // sized: no growth, no stray copies
        try
        {
            var decoded = await ObjectDecoder.OpenAsync(new MemoryStream(stored, writable: false), keyring, MaxBytes, cancellationToken).ConfigureAwait(false);
            await using (decoded.Plain.ConfigureAwait(false))
            {
                if (decoded.KeyId is null)
                {
                    throw new InvalidDataException($"backup {manifest.Id}: the bundle object is not encrypted; etcd-agent never stores one so, and it is not used");
                }

                await decoded.Plain.CopyToAsync(plain, cancellationToken).ConfigureAwait(false);
            }

            var tar = plain.ToArray();
            CryptographicOperations.ZeroMemory(plain.GetBuffer());
            var fetched = new FetchedBundle(tar, bundle);
            if (tar.Length != bundle.RawSize || Sha256(tar) != bundle.RawSha256)
            {
                fetched.Dispose();
                throw new InvalidDataException(
                    $"backup {manifest.Id}: the bundle decodes to {tar.Length} bytes with sha256 {Sha256(tar)}, but the manifest says {bundle.RawSize} bytes with {bundle.RawSha256}");
            }

            if (await BundleContents.ProblemAsync(tar, bundle, cancellationToken).ConfigureAwait(false) is { } problem)
            {
                fetched.Dispose();
                throw new InvalidDataException($"backup {manifest.Id}: the bundle does not match its manifest: {problem}");
            }

            return fetched;
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.AuthenticationTagMismatchException or CryptographicException)
        {
            throw new InvalidDataException($"backup {manifest.Id}: the bundle object does not decrypt ({ex.Message}): it was damaged or replaced", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain.GetBuffer());
        }
    }

    private static async Task<byte[]> ReadBoundedAsync(IObjectStore store, BundleInfo bundle, string id, CancellationToken cancellationToken)
    {
        var body = await store.OpenReadAsync(bundle.Key, cancellationToken).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            // The manifest's size is hostile data too: read no more than a bundle can be, whatever it says.
            using var copy = new MemoryStream();
            var buffer = new byte[81920];
            int n;
            while ((n = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                copy.Write(buffer, 0, n);
                if (copy.Length > MaxBytes + (1 << 20))
                {
                    throw new InvalidDataException($"backup {id}: the bundle object is larger than any bundle ({MaxBytes >> 20} MiB): it was replaced");
                }
            }

            return copy.ToArray();
        }
    }

    private static string Sha256(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}

/// <summary>A fetched, proven bundle: the plain tar and the manifest's description of it. Disposing zeroes the tar.</summary>
internal sealed class FetchedBundle(byte[] tar, BundleInfo info) : IDisposable
{
    public BundleInfo Info { get; } = info;

    public Stream Open() => new MemoryStream(tar, writable: false);

    public void Dispose() => CryptographicOperations.ZeroMemory(tar);
}

/// <summary>A backup without a recovery bundle was asked for its bundle.</summary>
internal sealed class BundleMissingException(string message) : Exception(message);

using System.Security.Cryptography;
using EtcdAgent.Codecs;
using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Storage;

namespace EtcdAgent.Continuous;

/// <summary>
/// Reads one committed segment back, proven: the stored bytes against the manifest's size and sha256, decoded with
/// any key of the keyring, the plain bytes against the manifest again, and the revisions inside exactly the ones the
/// manifest names. A segment that fails any of it is damage, reported with its key; it is never replayed.
/// </summary>
internal static class SegmentReader
{
    /// <summary>A segment's plain bytes cannot be larger than this (a cap against a hostile manifest or object).</summary>
    public const long MaxPlainBytes = 1L << 30;

    public static async Task<IReadOnlyList<RevisionEvents>> ReadAsync(IObjectStore store, SegmentManifest manifest, Keyring keyring,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(manifest);
        if (manifest.Stored.Size > MaxPlainBytes || manifest.Raw.Size > MaxPlainBytes)
        {
            throw new InvalidDataException($"segment {manifest.Stored.Key}: {manifest.Stored.Size} bytes stored, {manifest.Raw.Size} plain: larger than any segment");
        }

        byte[] stored;
        var body = await store.OpenPayloadAsync(manifest.Stored.Key, cancellationToken).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            using var copy = new MemoryStream();
            try
            {
                await new LimitedReadStream(body, manifest.Stored.Size + 1).CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException ex)
            {
                throw new InvalidDataException($"segment {manifest.Stored.Key}: the stored object is larger than the {manifest.Stored.Size} bytes its manifest says: it changed in the store", ex);
            }

            stored = copy.ToArray();
        }

        var storedSha = Convert.ToHexStringLower(SHA256.HashData(stored));
        if (stored.LongLength != manifest.Stored.Size || storedSha != manifest.Stored.Sha256)
        {
            throw new InvalidDataException(
                $"segment {manifest.Stored.Key}: the stored object is {stored.LongLength} bytes with sha256 {storedSha}, but its manifest says {manifest.Stored.Size} bytes with {manifest.Stored.Sha256}: it changed in the store");
        }

        byte[] plain;
        var decoded = await ObjectDecoder.OpenAsync(new MemoryStream(stored, writable: false), keyring, MaxPlainBytes, cancellationToken).ConfigureAwait(false);
        await using (decoded.Plain.ConfigureAwait(false))
        {
            using var copy = new MemoryStream();
            await decoded.Plain.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
            plain = copy.ToArray();
        }

        var plainSha = Convert.ToHexStringLower(SHA256.HashData(plain));
        if (plain.LongLength != manifest.Raw.Size || plainSha != manifest.Raw.Sha256)
        {
            throw new InvalidDataException(
                $"segment {manifest.Stored.Key}: the decoded segment is {plain.LongLength} bytes with sha256 {plainSha}, but its manifest says {manifest.Raw.Size} bytes with {manifest.Raw.Sha256}");
        }

        IReadOnlyList<RevisionEvents> revisions;
        try
        {
            revisions = await SegmentFormat.ReadAsync(new MemoryStream(plain, writable: false), cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"segment {manifest.Stored.Key}: {ex.Message}", ex);
        }

        if (revisions.Count == 0 || revisions[0].Revision != manifest.FirstRevision || revisions[^1].Revision != manifest.LastRevision)
        {
            throw new InvalidDataException(
                $"segment {manifest.Stored.Key}: it holds revisions {(revisions.Count == 0 ? "none" : $"{revisions[0].Revision}..{revisions[^1].Revision}")}, its manifest says {manifest.FirstRevision}..{manifest.LastRevision}");
        }

        return revisions;
    }
}

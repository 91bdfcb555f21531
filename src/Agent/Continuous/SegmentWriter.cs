using System.Security.Cryptography;
using EtcdAgent.Codecs;
using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Configuration;
using EtcdAgent.Diagnostics;
using EtcdAgent.Manifests;
using EtcdAgent.Storage;

namespace EtcdAgent.Continuous;

/// <summary>
/// Stores one segment: the revisions encoded (<see cref="SegmentFormat"/>), compressed and encrypted with the
/// backup's own codecs, put as one object, then its manifest put last — the commit marker, as for a full backup.
/// Segments are small (seconds of writes), so each is built in memory and sent in one request.
/// </summary>
internal sealed class SegmentWriter(string cluster, string node, CompressionKind compression, int level, EncryptionKey? key, IObjectStore store)
{
    /// <summary>Stores <paramref name="revisions"/> as the segment after <paramref name="previous"/> (null: the first after the base).</summary>
    public async Task<SegmentManifest> WriteAsync(string baseId, long baseRevision, IReadOnlyList<RevisionEvents> revisions, string? previous,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(revisions);
        if (revisions.Count == 0)
        {
            throw new ArgumentException("a segment holds at least one revision", nameof(revisions));
        }

        using var raw = new MemoryStream();
        await SegmentFormat.WriteAsync(raw, revisions, cancellationToken).ConfigureAwait(false);
        using var stored = new MemoryStream();
        var encoder = new PayloadEncoder(stored, compression, level, key);
        await using (encoder.ConfigureAwait(false))
        {
            await encoder.WriteAsync(raw.GetBuffer().AsMemory(0, (int)raw.Length), cancellationToken).ConfigureAwait(false);
            await encoder.FinishAsync(cancellationToken).ConfigureAwait(false);
        }

        var first = revisions[0].Revision;
        var last = revisions[^1].Revision;
        var payloadKey = SegmentLayout.PayloadKey(cluster, baseId, first, last, compression, key is not null);
        var storedBytes = stored.GetBuffer().AsMemory(0, (int)stored.Length);
        await store.PutAsync(payloadKey, storedBytes, cancellationToken).ConfigureAwait(false);
        var manifest = new SegmentManifest
        {
            FormatVersion = SegmentManifest.CurrentFormatVersion,
            Cluster = cluster,
            Base = baseId,
            BaseRevision = baseRevision,
            FirstRevision = first,
            LastRevision = last,
            FirstReceivedAt = revisions[0].ReceivedAt,
            LastReceivedAt = revisions[^1].ReceivedAt,
            Raw = new ContentInfo(Convert.ToHexStringLower(SHA256.HashData(raw.GetBuffer().AsSpan(0, (int)raw.Length))), raw.Length),
            Stored = new StoredInfo(payloadKey, Convert.ToHexStringLower(SHA256.HashData(storedBytes.Span)), stored.Length),
            Codecs = new CodecInfo(compression.ToString().ToLowerInvariant(), level, key is null ? null : "aes-256-gcm", key?.IdHex),
            Previous = previous,
            Node = node,
            AgentVersion = BuildInfo.Version,
        };
        await store.PutAsync(SegmentLayout.ManifestKey(cluster, baseId, first, last), manifest.ToJson(), cancellationToken).ConfigureAwait(false);
        return manifest;
    }
}

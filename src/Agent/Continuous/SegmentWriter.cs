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
internal sealed class SegmentWriter(string cluster, string node, CompressionKind compression, int level, EncryptionKey? key, IObjectStore store) : IDisposable
{
    private readonly MemoryStream _raw = new();
    private readonly MemoryStream _stored = new();

    /// <summary>Stores <paramref name="revisions"/> as the segment after <paramref name="previous"/> (null: the first after the base).</summary>
    public async Task<SegmentManifest> WriteAsync(string baseId, long baseRevision, IReadOnlyList<RevisionEvents> revisions, string? previous,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(revisions);
        if (revisions.Count == 0)
        {
            throw new ArgumentException("a segment holds at least one revision", nameof(revisions));
        }

        // The two buffers are the writer's, reused segment after segment: a segment is megabytes, and fresh buffers
        // growing by doubling each time were large-object garbage that only a full collection frees (the daemon sat
        // at 220-260 MiB streaming 500 writes/s with them).
        // Sized up front (the encoded size is known exactly; compression and the envelope add at most a little to
        // incompressible data), so neither doubles past what the segment needs.
        var rawSize = SegmentFormat.EncodedSize(revisions);
        var raw = Reset(_raw, rawSize);
        await SegmentFormat.WriteAsync(raw, revisions, cancellationToken).ConfigureAwait(false);
        var stored = Reset(_stored, rawSize + (rawSize / 64) + (64 * 1024));
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

    private static MemoryStream Reset(MemoryStream buffer, long capacity)
    {
        buffer.SetLength(0);
        if (buffer.Capacity < capacity)
        {
            buffer.Capacity = (int)Math.Min(capacity, int.MaxValue);
        }

        return buffer;
    }

    public void Dispose()
    {
        _raw.Dispose();
        _stored.Dispose();
    }
}

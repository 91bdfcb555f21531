using EtcdAgent.Manifests;
using EtcdAgent.Storage;

namespace EtcdAgent.IntegrationTests.Fixtures;

/// <summary>
/// Minimal backups written straight into a store — a zero-filled payload and a manifest the catalog accepts as sound,
/// no snapshot behind them — for tests of listing, retention and stores, where a real `backup create` would only cost time.
/// </summary>
internal static class StoredBackups
{
    /// <summary>Writes one backup (the payload only when <paramref name="withPayload"/>) and returns its id.</summary>
    public static async Task<string> PutAsync(IObjectStore store, string cluster, DateTimeOffset created, long revision,
        int payloadBytes = 10, bool withPayload = true)
    {
        var id = BackupLayout.NewId(created, "n1", revision);
        var payload = $"{cluster}/{id}/snapshot.db.zst";
        var sha = new string('a', 64);
        if (withPayload)
        {
            await store.PutAsync(payload, new byte[payloadBytes], CancellationToken.None);
        }

        var manifest = new BackupManifest
        {
            FormatVersion = 1,
            Id = id,
            Cluster = new ClusterInfo(cluster, "1"),
            Source = new SourceInfo("1", "m1", "http://x"),
            Members = [],
            EtcdVersion = "3.4.23",
            Revision = revision,
            RaftIndex = 1,
            RaftTerm = 1,
            Status = new StatusInfo(1, revision, 1, 1, 1),
            Raw = new ContentInfo(sha, 1),
            Stored = new StoredInfo(payload, sha, payloadBytes),
            Codecs = new CodecInfo("zstd", 1, null, null),
            CreatedAt = created,
            DurationSeconds = 1,
            AgentVersion = "test",
            Node = "n1",
        };
        await store.PutAsync(BackupLayout.ManifestKey(cluster, id), manifest.ToJson(), CancellationToken.None);
        return id;
    }
}

using EtcdAgent.Manifests;

namespace EtcdAgent.UnitTests.Agent.Continuous;

/// <summary>A sound full backup of cluster "prod" to base chains on (its id names its time and revision, as ManifestCheck wants).</summary>
internal static class ChainSamples
{
    public const string Cluster = "prod";

    public static BackupManifest Backup(DateTimeOffset created, long revision)
    {
        var id = BackupLayout.NewId(created, "cp1", revision);
        return new BackupManifest
        {
            FormatVersion = 1,
            Id = id,
            Cluster = new ClusterInfo(Cluster, "1"),
            Source = new SourceInfo("1", "cp1", "http://x"),
            Members = [],
            EtcdVersion = "3.5.17",
            Revision = revision,
            RaftIndex = 1,
            RaftTerm = 1,
            Status = new StatusInfo(1, revision, 1, 1, 1),
            Raw = new ContentInfo(new string('a', 64), 1),
            Stored = new StoredInfo($"{Cluster}/{id}/snapshot.db.zst", new string('a', 64), 10),
            Codecs = new CodecInfo("zstd", 1, null, null),
            CreatedAt = created,
            DurationSeconds = 1,
            AgentVersion = "test",
            Node = "cp1",
        };
    }
}

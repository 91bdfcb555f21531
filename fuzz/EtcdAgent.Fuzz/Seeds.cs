using System.Text;
using EtcdAgent.Codecs;
using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Configuration;
using EtcdAgent.Manifests;

namespace EtcdAgent.Fuzz;

/// <summary>
/// Writes the small valid inputs the object and manifest fuzzers start from, made with the product's own
/// encoder and manifest type so they follow the format as it is today (nothing binary is committed). The
/// snapshot and config seeds are files already in the repository; scripts/fuzz.sh copies them.
/// </summary>
internal static class Seeds
{
    public static void Write(string dir)
    {
        var objects = Directory.CreateDirectory(Path.Combine(dir, "object")).FullName;
        var plain = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("etcd-agent fuzz seed 0123456789 ", 8)));
        foreach (var kind in Enum.GetValues<CompressionKind>())
        {
            foreach (var encrypted in new[] { false, true })
            {
                var name = $"{kind.ToString().ToLowerInvariant()}{(encrypted ? "-enc" : string.Empty)}";
                File.WriteAllBytes(Path.Combine(objects, name), Encode(plain, kind, encrypted));
            }
        }

        var manifests = Directory.CreateDirectory(Path.Combine(dir, "manifest")).FullName;
        File.WriteAllBytes(Path.Combine(manifests, "manifest.json"), Manifest().ToJson());
    }

    private static byte[] Encode(byte[] plain, CompressionKind kind, bool encrypted)
    {
        using var target = new MemoryStream();
        var encryptor = encrypted ? new EncryptingStream(target, Harnesses.Key, EnvelopeHeader.MinChunk) : null;
        var compressor = Compression.Compress((Stream?)encryptor ?? target, kind, kind == CompressionKind.Gzip ? 1 : BackupOptions.DefaultZstdLevel);
        compressor.Write(plain);
        Compression.FinishAsync(compressor).GetAwaiter().GetResult();
        compressor.Dispose();
        encryptor?.FinishAsync().GetAwaiter().GetResult();
        encryptor?.Dispose();
        return target.ToArray();
    }

    private static BackupManifest Manifest()
    {
        var created = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var id = BackupLayout.NewId(created, "node-a", 73);
        return new BackupManifest
        {
            FormatVersion = BackupManifest.CurrentFormatVersion,
            Id = id,
            Cluster = new ClusterInfo("lab", "cdf818194e3a8c32"),
            Source = new SourceInfo("8e9e05c52164694d", "node-a", "https://10.0.0.1:2379"),
            Members = [new MemberInfo("8e9e05c52164694d", "node-a", ["https://10.0.0.1:2380"], ["https://10.0.0.1:2379"], false)],
            EtcdVersion = "3.5.17",
            Revision = 73,
            RaftIndex = 80,
            RaftTerm = 2,
            Status = new StatusInfo(2474808075, 73, 77, 53248, 50),
            Raw = new ContentInfo(new string('a', 64), 53280),
            Stored = new StoredInfo($"lab/{id}/snapshot.db.zst.enc", new string('b', 64), 9000),
            Codecs = new CodecInfo("zstd", 1, "aes-256-gcm", "0011223344556677"),
            CreatedAt = created,
            DurationSeconds = 1.5,
            AgentVersion = "0.1.0",
            Node = "node-a",
        };
    }
}

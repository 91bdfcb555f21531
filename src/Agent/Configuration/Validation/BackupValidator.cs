using EtcdAgent.Configuration.Settings;

namespace EtcdAgent.Configuration.Validation;

/// <summary>backup: the codecs, the key files (only their paths here: KeyringService opens them) and the spool.</summary>
internal static class BackupValidator
{
    public static BackupOptions Validate(BackupSettings s, FieldCheck f)
    {
        var kind = f.OneOf("compression", s.Compression, "zstd", "gzip", "none") switch
        {
            "gzip" => CompressionKind.Gzip,
            "none" => CompressionKind.None,
            "zstd" => CompressionKind.Zstd,
            _ => BackupOptions.DefaultCompression,
        };
        var encryption = f.Section("encryption");
        var options = new BackupOptions
        {
            Compression = kind,
            Level = f.Int("level", s.Level, 1, kind == CompressionKind.Gzip ? 9 : 19) ?? BackupOptions.DefaultLevel(kind),
            KeyFile = FieldCheck.Text(s.Encryption.KeyFile),
            OldKeyFiles = s.Encryption.OldKeyFiles,
            SpoolDir = FieldCheck.Text(s.SpoolDir) ?? BackupOptions.DefaultSpoolDir,
            SpoolMaxCount = f.Int("spoolMaxCount", s.SpoolMaxCount, 0, 1000) ?? BackupOptions.DefaultSpoolMaxCount,
            MaxSnapshotSize = f.Bytes("maxSnapshotSize", s.MaxSnapshotSize, 1L << 20, 1L << 50) ?? BackupOptions.DefaultMaxSnapshotSize,
        };
        encryption.AbsolutePath("keyFile", options.KeyFile);
        foreach (var old in options.OldKeyFiles)
        {
            encryption.AbsolutePath("oldKeyFiles", old);
        }

        f.AbsolutePath("spoolDir", options.SpoolDir);
        return options;
    }
}

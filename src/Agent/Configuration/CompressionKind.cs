namespace EtcdAgent.Configuration;

/// <summary>
/// How a stored snapshot is compressed. Chosen by backup.compression, so it lives with the options; Codecs implements
/// each kind and uses Configuration, never the other way round.
/// </summary>
public enum CompressionKind
{
    /// <summary>Stored as is.</summary>
    None,

    /// <summary>gzip (RFC 1952), through System.IO.Compression.</summary>
    Gzip,

    /// <summary>zstd with content checksum, through the system's libzstd.</summary>
    Zstd,
}

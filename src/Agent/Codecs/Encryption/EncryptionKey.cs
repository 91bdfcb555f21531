using System.Security.Cryptography;
using EtcdAgent.Configuration;

namespace EtcdAgent.Codecs.Encryption;

/// <summary>
/// A 32-byte AES-256 key kept base64 in a 0600 file (read only by <see cref="KeyringService"/>). Its id — the first 8 bytes of its SHA-256, in hex — names it
/// in envelopes and logs; the key itself is never printed.
/// </summary>
internal sealed class EncryptionKey
{
    public const int Size = 32;

    private EncryptionKey(byte[] key, string source)
    {
        Key = key;
        Id = SHA256.HashData(key).AsSpan(0, 8).ToArray();
        Source = source;
    }

    public byte[] Key { get; }

    public byte[] Id { get; }

    public string IdHex => Convert.ToHexStringLower(Id);

    public string Source { get; }

    public static EncryptionKey FromBytes(byte[] key, string source = "memory") =>
        key.Length == Size ? new EncryptionKey(key, source) : throw new ConfigurationException($"an encryption key is {Size} bytes, got {key.Length}");

    /// <summary>Writes a new random key to <paramref name="path"/> (0600, never over an existing file).</summary>
    public static EncryptionKey Generate(string path)
    {
        var key = RandomNumberGenerator.GetBytes(Size);
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        try
        {
            using var stream = new FileStream(path, options);
            using var writer = new StreamWriter(stream);
            writer.WriteLine(Convert.ToBase64String(key));
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }
        catch (IOException ex) when (File.Exists(path))
        {
            throw new ConfigurationException($"{path} already exists; a key is never overwritten (old backups would become unreadable)", ex);
        }

        return new EncryptionKey(key, path);
    }
}

/// <summary>
/// Several keys: the first encrypts; any decrypts what it encrypted, so backups made before a key rotation stay
/// readable as long as the old key file stays in the ring.
/// </summary>
internal sealed class Keyring(IReadOnlyList<EncryptionKey> keys)
{
    public EncryptionKey Primary => keys.Count > 0 ? keys[0] : throw new ConfigurationException("no encryption key configured; pass --key-file");

    public EncryptionKey Find(ReadOnlySpan<byte> id)
    {
        foreach (var key in keys)
        {
            if (key.Id.AsSpan().SequenceEqual(id))
            {
                return key;
            }
        }

        throw new ConfigurationException(
            $"this object is encrypted with key {Convert.ToHexStringLower(id)}, which is not in the keyring " +
            $"({Describe()}); " +
            "pass the key file it was made with (--key-file, repeatable)");
    }

    /// <summary>Whether a key with this id (hex) is in the ring.</summary>
    public bool Contains(string idHex) => keys.Any(k => k.IdHex == idHex);

    /// <summary>The ring for messages: key ids and where they came from, never the keys.</summary>
    public string Describe() => keys.Count == 0 ? "no keys given" : string.Join(", ", keys.Select(k => $"{k.IdHex} from {k.Source}"));
}

using EtcdAgent.Configuration;

namespace EtcdAgent.Codecs.Encryption;

/// <summary>
/// The one place key files are opened. Loads the configured key (backup.encryption.keyFile), the keys kept for
/// reading (oldKeyFiles) and any --key-file flags once, checks each (present, private: no group/other access, base64
/// of 32 bytes, no two different keys under one id), and hands out the key that encrypts and the ring that decrypts.
/// A broken current key fails the load (nothing can be backed up); a broken reading key fails only when the ring is
/// asked for, so backups keep running while a drill or restore reports the bad file.
/// </summary>
internal sealed class KeyringService
{
    private readonly Keyring? _ring;
    private readonly ConfigurationException? _ringError;

    private KeyringService(EncryptionKey? current, Keyring? ring, ConfigurationException? ringError)
    {
        Current = current;
        _ring = ring;
        _ringError = ringError;
    }

    /// <summary>The key new backups are encrypted with; null when encryption is off.</summary>
    public EncryptionKey? Current { get; }

    /// <summary>Every key that may read a backup: the extra key files first, then the current key and the old ones.</summary>
    public Keyring Keyring => _ring ?? throw new ConfigurationException(_ringError!.Message, _ringError);

    /// <summary>Loads the configured keys plus <paramref name="extraKeyFiles"/> (the --key-file flags).</summary>
    public static KeyringService Load(BackupOptions backup, IEnumerable<string>? extraKeyFiles = null)
    {
        ArgumentNullException.ThrowIfNull(backup);
        var current = backup.KeyFile is { } keyFile ? ReadKey(keyFile) : null;
        var paths = (extraKeyFiles ?? [])
            .Concat(backup.KeyFile is { } k ? [k] : [])
            .Concat(backup.OldKeyFiles)
            .Distinct(StringComparer.Ordinal);
        try
        {
            return new KeyringService(current, ReadRing(paths), null);
        }
        catch (ConfigurationException ex)
        {
            return new KeyringService(current, null, ex);
        }
    }

    /// <summary>A ring of exactly these key files (offline verbs that take no configuration).</summary>
    public static Keyring ReadRing(IEnumerable<string> paths)
    {
        var keys = new List<EncryptionKey>();
        foreach (var path in paths.Distinct(StringComparer.Ordinal))
        {
            var key = ReadKey(path);
            var same = keys.Find(k => k.IdHex == key.IdHex);
            if (same is null)
            {
                keys.Add(key);
            }
            else if (!same.Key.AsSpan().SequenceEqual(key.Key))
            {
                throw new ConfigurationException(
                    $"encryption key files {same.Source} and {path} hold different keys with the same id {key.IdHex}; a backup could not say which one made it");
            }

            // The same key in two files (a copy passed with --key-file) is one key: it stays in the ring once.
        }

        return new Keyring(keys);
    }

    /// <summary>Reads one key file, refusing one that group or others can access.</summary>
    public static EncryptionKey ReadKey(string path)
    {
        SecretFiles.EnsurePrivate(path, "encryption key file");
        byte[] key;
        try
        {
            key = Convert.FromBase64String(File.ReadAllText(path).Trim());
        }
        catch (FormatException ex)
        {
            throw new ConfigurationException($"encryption key file {path} is not base64; make one with `etcd-agent key generate FILE`", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"cannot read encryption key file {path}: {ex.Message}", ex);
        }

        return key.Length == EncryptionKey.Size
            ? EncryptionKey.FromBytes(key, path)
            : throw new ConfigurationException($"encryption key file {path} holds {key.Length} bytes, not {EncryptionKey.Size}; make one with `etcd-agent key generate FILE`");
    }
}

using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Configuration;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Codecs;

public sealed class KeyringServiceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("keyring-").FullName;

    [Fact]
    public void AMissingCurrentKeyFailsTheLoadWithItsPath()
    {
        var missing = P("missing.key");

        var error = Assert.Throws<ConfigurationException>(() => KeyringService.Load(new BackupOptions { KeyFile = missing }));

        Assert.Contains("encryption key file " + missing, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AGroupReadableKeyIsRefusedWithTheChmodToRun()
    {
        var path = P("readable.key");
        EncryptionKey.Generate(path);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);

        var error = Assert.Throws<ConfigurationException>(() => KeyringService.Load(new BackupOptions { KeyFile = path }));

        Assert.Contains("accessible by group or others (mode 0640)", error.Message, StringComparison.Ordinal);
        Assert.Contains("chmod 600", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AKeyOfTheWrongSizeOrNotBase64IsRefused()
    {
        var shortKey = Private("short.key", Convert.ToBase64String(new byte[16]));
        var text = Private("text.key", "not a key!");

        Assert.Contains("holds 16 bytes, not 32", Assert.Throws<ConfigurationException>(() => KeyringService.ReadKey(shortKey)).Message, StringComparison.Ordinal);
        Assert.Contains("is not base64", Assert.Throws<ConfigurationException>(() => KeyringService.ReadKey(text)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoKeyConfiguredMeansNoEncryptionAndAnEmptyRing()
    {
        var keys = KeyringService.Load(new BackupOptions());

        Assert.Null(keys.Current);
        Assert.Equal("no keys given", keys.Keyring.Describe());
    }

    [Fact]
    public void TheCurrentKeyEncryptsAndTheRingReadsCurrentOldAndFlagKeys()
    {
        var current = EncryptionKey.Generate(P("current.key"));
        var old = EncryptionKey.Generate(P("old.key"));
        var extra = EncryptionKey.Generate(P("extra.key"));

        var keys = KeyringService.Load(new BackupOptions { KeyFile = P("current.key"), OldKeyFiles = [P("old.key")] }, [P("extra.key")]);

        Assert.Equal(current.Key, keys.Current!.Key);
        foreach (var key in new[] { current, old, extra })
        {
            Assert.Equal(key.Key, keys.Keyring.Find(key.Id).Key);
        }

        var stranger = EncryptionKey.FromBytes(new byte[32]);
        var error = Assert.Throws<ConfigurationException>(() => keys.Keyring.Find(stranger.Id));
        Assert.Contains("not in the keyring", error.Message, StringComparison.Ordinal);
        Assert.StartsWith($"{extra.IdHex} from {P("extra.key")}, {current.IdHex} from {P("current.key")}, {old.IdHex}", keys.Keyring.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void TheSameKeyInTwoFilesIsOneKeyInTheRing()
    {
        var key = EncryptionKey.Generate(P("current.key"));
        File.Copy(P("current.key"), P("copy.key"));
        File.SetUnixFileMode(P("copy.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var keys = KeyringService.Load(new BackupOptions { KeyFile = P("current.key") }, [P("copy.key"), P("current.key")]);

        Assert.Equal($"{key.IdHex} from {P("copy.key")}", keys.Keyring.Describe());
    }

    [Fact]
    public void ABrokenOldKeyFailsOnlyTheRingNotTheCurrentKey()
    {
        var current = EncryptionKey.Generate(P("current.key"));
        var missing = P("gone.key");

        var keys = KeyringService.Load(new BackupOptions { KeyFile = P("current.key"), OldKeyFiles = [missing] });

        Assert.Equal(current.Key, keys.Current!.Key);
        var error = Assert.Throws<ConfigurationException>(() => keys.Keyring);
        Assert.Contains("encryption key file " + missing, error.Message, StringComparison.Ordinal);
    }

    private string P(string name) => Path.Combine(_dir, name);

    private string Private(string name, string text)
    {
        var path = P(name);
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}

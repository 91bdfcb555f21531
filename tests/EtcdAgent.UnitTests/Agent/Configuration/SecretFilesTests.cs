using EtcdAgent.Configuration;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Configuration;

public sealed class SecretFilesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("secret-files-").FullName;

    private string Write(string name, string content, UnixFileMode mode)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, mode);
        return path;
    }

    [Fact]
    public void ReadPasswordReturnsTheFirstLineOfAPrivateFile()
    {
        var path = Write("pw", "s3cret\nignored\n", UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Equal("s3cret", SecretFiles.ReadPassword(path));
    }

    [Fact]
    public void GroupReadableFileIsRefusedWithTheChmodFix()
    {
        var path = Write("pw", "s3cret", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var ex = Assert.Throws<ConfigurationException>(() => SecretFiles.ReadPassword(path));

        Assert.Contains("chmod 600 " + path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("0644", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFileSaysItDoesNotExist()
    {
        var ex = Assert.Throws<ConfigurationException>(() => SecretFiles.EnsurePrivate(Path.Combine(_dir, "nope"), "client key file"));
        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyPasswordFileIsRefused()
    {
        var path = Write("pw", "\n", UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Throws<ConfigurationException>(() => SecretFiles.ReadPassword(path));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}

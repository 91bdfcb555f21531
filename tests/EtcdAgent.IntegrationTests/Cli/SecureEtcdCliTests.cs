using System.Text.Json;
using EtcdAgent.IntegrationTests.Fixtures;
using Xunit;

namespace EtcdAgent.IntegrationTests.Cli;

public sealed class TlsCliTests(TlsEtcdFixture fixture) : IClassFixture<TlsEtcdFixture>
{
    [Fact]
    public async Task MutualTlsFlagsWork()
    {
        var result = await AgentBinary.RunAsync("member", "list", "--endpoints", fixture.Cluster.Endpoints,
            "--cacert", fixture.Tls.CaCert, "--cert", fixture.Tls.ClientCert, "--key", fixture.Tls.ClientKey, "-w", "json");

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var doc = JsonDocument.Parse(result.Stdout);
        Assert.Single(doc.RootElement.GetProperty("members").EnumerateArray());
    }

    [Fact]
    public async Task WrongCaExitsUnavailableAndNamesTheProblem()
    {
        var result = await AgentBinary.RunAsync("endpoint", "status", "--endpoints", fixture.Cluster.Endpoints,
            "--cacert", fixture.Tls.OtherCaCert, "--cert", fixture.Tls.ClientCert, "--key", fixture.Tls.ClientKey);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("does not chain to the CA in --cacert", result.Stderr, StringComparison.Ordinal);
    }
}

public sealed class AuthCliTests(AuthEtcdFixture fixture) : IClassFixture<AuthEtcdFixture>, IDisposable
{
    private readonly TempDir _dir = new();

    private string PasswordFile(string password, UnixFileMode mode)
    {
        var path = _dir.File(Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, password + "\n");
        File.SetUnixFileMode(path, mode);
        return path;
    }

    [Fact]
    public async Task RootWithPasswordFileListsMembers()
    {
        var file = PasswordFile(AuthEtcdFixture.RootPassword, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var result = await AgentBinary.RunAsync("member", "list", "--endpoints", fixture.Cluster.Endpoints,
            "--user", "root", "--password-file", file);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("m1", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PasswordFromEnvironmentWorks()
    {
        var result = await AgentBinary.RunAsync(["member", "list", "--endpoints", fixture.Cluster.Endpoints, "--user", "root"],
            new Dictionary<string, string?> { ["ETCD_AGENT_PASSWORD"] = AuthEtcdFixture.RootPassword });

        Assert.True(result.ExitCode == 0, result.Stderr);
    }

    [Fact]
    public async Task WrongPasswordExitsFourWithoutEchoingIt()
    {
        var file = PasswordFile("wrong-one", UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var result = await AgentBinary.RunAsync("member", "list", "--endpoints", fixture.Cluster.Endpoints,
            "--user", "root", "--password-file", file);

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("authentication failed", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-one", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HealthWithoutCredentialsIsUnhealthyAndSaysWhatToPass()
    {
        // MemberList and Status need no token on etcd 3.4; the health read does.
        var result = await AgentBinary.RunAsync("endpoint", "health", "--endpoints", fixture.Cluster.Endpoints);

        Assert.Equal(5, result.ExitCode);
        Assert.Contains("user name is empty", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("--user", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WorldReadablePasswordFileIsRefused()
    {
        var file = PasswordFile(AuthEtcdFixture.RootPassword, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var result = await AgentBinary.RunAsync("member", "list", "--endpoints", fixture.Cluster.Endpoints,
            "--user", "root", "--password-file", file);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("chmod 600", result.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();
}

public sealed class AuthSnapshotCliTests(AuthEtcdFixture fixture) : IClassFixture<AuthEtcdFixture>, IDisposable
{
    private readonly TempDir _dir = new();

    private string PasswordFile(string password)
    {
        var path = _dir.File("pw-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, password + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    [Fact]
    public async Task RootCanSaveASnapshot()
    {
        var result = await AgentBinary.RunAsync("snapshot", "save", _dir.File("root.db"), "--endpoints", fixture.Cluster.Endpoints,
            "--user", "root", "--password-file", PasswordFile(AuthEtcdFixture.RootPassword));

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.True(File.Exists(_dir.File("root.db")));
    }

    [Fact]
    public async Task NonRootGetsPermissionDeniedAndNoFile()
    {
        var result = await AgentBinary.RunAsync("snapshot", "save", _dir.File("alice.db"), "--endpoints", fixture.Cluster.Endpoints,
            "--user", "alice", "--password-file", PasswordFile(AuthEtcdFixture.AlicePassword));

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("permission denied", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("root role", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(_dir.File("alice.db")));
        Assert.False(File.Exists(_dir.File("alice.db.part")));
    }

    public void Dispose() => _dir.Dispose();
}

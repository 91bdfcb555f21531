using EtcdAgent.Doctor;
using EtcdAgent.IntegrationTests.Fixtures;
using Xunit;
using static EtcdAgent.IntegrationTests.Doctor.DoctorAssert;

namespace EtcdAgent.IntegrationTests.Doctor;

/// <summary>doctor against an etcd that requires mutual TLS: the configured files work, a missing CA is named.</summary>
public sealed class DoctorTlsTests(TlsEtcdFixture fixture) : IClassFixture<TlsEtcdFixture>, IDisposable
{
    private readonly TempDir _dir = new("etcd-agent-doctor-tls");

    public void Dispose() => _dir.Dispose();

    private (DoctorHarness Harness, string Config) WithTls(string tlsYaml)
    {
        var harness = new DoctorHarness(_dir);
        return (harness, harness.WriteConfig(DoctorHarness.Etcd(fixture.Cluster.Endpoints, tlsYaml), harness.LocalStore()));
    }

    [Fact]
    public async Task EtcdReachableAndClockSkewWorkOverMutualTls()
    {
        var tls = fixture.Tls;
        var (harness, config) = WithTls($"  cacert: {tls.CaCert}\n  cert: {tls.ClientCert}\n  key: {tls.ClientKey}");

        var reachable = await harness.RunAsync(config, "etcd reachable");
        var skew = await harness.RunAsync(config, "clock skew");

        Status(CheckStatus.Pass, reachable);
        Assert.Contains("mutual TLS", reachable.Detail, StringComparison.Ordinal);
        Status(CheckStatus.Pass, skew);
    }

    [Fact]
    public async Task EtcdReachableFailsWithoutTheCaAndSaysWhichFilesToSet()
    {
        var (harness, config) = WithTls($"  cert: {fixture.Tls.ClientCert}\n  key: {fixture.Tls.ClientKey}");

        var result = await harness.RunAsync(config, "etcd reachable");

        Fails(result, "set etcd.cacert to the CA that signed etcd's server certificate");
    }
}

/// <summary>doctor against an auth-enabled etcd: root may snapshot, a read-only user may not, no user is told to log in.</summary>
public sealed class DoctorAuthTests(AuthEtcdFixture fixture) : IClassFixture<AuthEtcdFixture>, IDisposable
{
    private readonly TempDir _dir = new("etcd-agent-doctor-auth");

    public void Dispose() => _dir.Dispose();

    private string Config(string? user, string? password)
    {
        var harness = new DoctorHarness(_dir);
        var extra = string.Empty;
        if (user is not null)
        {
            var file = _dir.File($"password-{user}-{Guid.NewGuid():N}");
            File.WriteAllText(file, password + "\n");
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            extra = $"  user: {user}\n  passwordFile: {file}";
        }

        return harness.WriteConfig(DoctorHarness.Etcd(fixture.Cluster.Endpoints, extra), harness.LocalStore(), name: $"{user ?? "anonymous"}-{Guid.NewGuid():N}.yaml");
    }

    [Fact]
    public async Task PermissionToSnapshotPassesForRoot()
    {
        var result = await new DoctorHarness(_dir).RunAsync(Config("root", AuthEtcdFixture.RootPassword), "permission to snapshot");

        Status(CheckStatus.Pass, result);
        Assert.Contains("as user root", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PermissionToSnapshotFailsForAUserWithoutTheRootRole()
    {
        var result = await new DoctorHarness(_dir).RunAsync(Config("alice", AuthEtcdFixture.AlicePassword), "permission to snapshot");

        Fails(result, "use the root user or grant its role: etcdctl user grant-role alice root");
    }

    [Fact]
    public async Task PermissionToSnapshotFailsWithoutAUserWhenAuthIsOn()
    {
        var result = await new DoctorHarness(_dir).RunAsync(Config(null, null), "permission to snapshot");

        Fails(result, "set etcd.user (root) and etcd.passwordFile");
    }

    [Fact]
    public async Task EtcdReachableFailsForAWrongPassword()
    {
        var result = await new DoctorHarness(_dir).RunAsync(Config("root", "not-the-password"), "etcd reachable");

        Fails(result, "check etcd.user (root) and the password");
        Assert.DoesNotContain("not-the-password", result.Detail + result.Fix, StringComparison.Ordinal);
    }
}

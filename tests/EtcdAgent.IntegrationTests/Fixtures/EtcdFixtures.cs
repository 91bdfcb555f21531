using Xunit;

namespace EtcdAgent.IntegrationTests.Fixtures;

/// <summary>One plain single-member etcd for a test class.</summary>
public sealed class SingleEtcdFixture : IAsyncLifetime
{
    public EtcdCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await EtcdCluster.StartAsync();

    public Task DisposeAsync()
    {
        Cluster.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>A 3-member cluster for a test class.</summary>
public sealed class ThreeMemberFixture : IAsyncLifetime
{
    public EtcdCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await EtcdCluster.StartAsync(members: 3);

    public Task DisposeAsync()
    {
        Cluster.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>An etcd that serves only TLS and requires client certificates signed by its CA.</summary>
public sealed class TlsEtcdFixture : IAsyncLifetime, IDisposable
{
    private readonly TempDir _pki = new("etcd-agent-pki");

    public EtcdCluster Cluster { get; private set; } = null!;

    public TlsFiles Tls { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Tls = await TlsFiles.CreateAsync(_pki.Path);
        Cluster = await EtcdCluster.StartAsync(tls: Tls);
    }

    // xunit calls Dispose as well; the work happens there once.
    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        Cluster?.Dispose();
        _pki.Dispose();
    }
}

/// <summary>
/// An auth-enabled etcd: root (root role) and alice (read-only on "/"). Simple tokens expire after 2 s idle
/// (--auth-token-ttl) so tests can see the client re-authenticate.
/// </summary>
public sealed class AuthEtcdFixture : IAsyncLifetime
{
    public const string RootPassword = "root-Pa55";
    public const string AlicePassword = "alice-Pa55";
    public const int TokenTtlSeconds = 2;

    public EtcdCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await EtcdCluster.StartAsync(extraArgs: ["--auth-token-ttl", TokenTtlSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        string[][] steps =
        [
            ["user", "add", "root", "--new-user-password=" + RootPassword],
            ["user", "grant-role", "root", "root"],
            ["user", "add", "alice", "--new-user-password=" + AlicePassword],
            ["role", "add", "reader"],
            ["role", "grant-permission", "reader", "--prefix=true", "read", "/"],
            ["user", "grant-role", "alice", "reader"],
            ["auth", "enable"],
        ];
        foreach (var step in steps)
        {
            var result = await Cluster.EtcdctlAsync(step);
            if (result.ExitCode != 0 && !result.Stderr.Contains("already exists", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"etcdctl {string.Join(' ', step)}: {result.Stderr}");
            }
        }
    }

    public Task DisposeAsync()
    {
        Cluster.Dispose();
        return Task.CompletedTask;
    }
}

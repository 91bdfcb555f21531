using System.Security.Cryptography;
using EtcdAgent.IntegrationTests.Fixtures;
using EtcdAgent.Protocol.Etcd;
using Grpc.Core;
using Xunit;

namespace EtcdAgent.IntegrationTests.Protocol;

/// <summary>The error codes etcd 3.4 really returns with auth on (etcd-wire.md §2), and token renewal.</summary>
public sealed class AuthTests(AuthEtcdFixture fixture) : IClassFixture<AuthEtcdFixture>
{
    private Uri Endpoint => fixture.Cluster.First.ClientUrl;

    [Fact]
    public async Task RootCanTakeASnapshot()
    {
        using var client = fixture.Cluster.Client("root", AuthEtcdFixture.RootPassword);
        using var buffer = new MemoryStream();
        await foreach (var chunk in client.SnapshotAsync(Endpoint))
        {
            chunk.Blob.WriteTo(buffer);
        }

        var bytes = buffer.ToArray();
        Assert.Equal(SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32)), bytes[^32..]);
    }

    [Fact]
    public async Task WrongPasswordIsInvalidArgument()
    {
        using var client = fixture.Cluster.Client("root", "not-the-password");

        var ex = await Assert.ThrowsAsync<EtcdRpcException>(() => client.GetAsync("/x"));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.True(EtcdErrors.IsAuthenticationFailed(ex));
    }

    [Fact]
    public async Task NonRootSnapshotIsUnknownPermissionDenied()
    {
        using var client = fixture.Cluster.Client("alice", AuthEtcdFixture.AlicePassword);

        var ex = await Assert.ThrowsAsync<EtcdRpcException>(async () =>
        {
            await foreach (var unused in client.SnapshotAsync(Endpoint))
            {
            }
        });

        Assert.Equal(StatusCode.Unknown, ex.StatusCode);
        Assert.Contains("auth: permission denied", ex.Detail, StringComparison.Ordinal);
        Assert.True(EtcdErrors.IsPermissionDenied(ex));
    }

    [Fact]
    public async Task NonRootCanReadWhatItsRoleAllows()
    {
        using var root = fixture.Cluster.Client("root", AuthEtcdFixture.RootPassword);
        await root.PutAsync("/alice/k", "v");
        using var alice = fixture.Cluster.Client("alice", AuthEtcdFixture.AlicePassword);

        var get = await alice.GetAsync("/alice/k");
        var denied = await Assert.ThrowsAsync<EtcdRpcException>(() => alice.PutAsync("/alice/k", "w"));

        Assert.Equal("v", get.Kvs[0].Value.ToStringUtf8());
        Assert.True(EtcdErrors.IsPermissionDenied(denied));
    }

    [Fact]
    public async Task CallWithoutCredentialsIsRejectedAsUserEmpty()
    {
        using var client = fixture.Cluster.Client();

        var ex = await Assert.ThrowsAsync<EtcdRpcException>(() => client.GetAsync("/x"));

        Assert.True(EtcdErrors.IsUserEmpty(ex), ex.Message);
    }

    [Fact]
    public async Task ExpiredTokenIsRenewedOnceForUnaryAndSnapshotCalls()
    {
        var logger = new ListLogger<EtcdClient>();
        using var client = new EtcdClient(new EtcdClientOptions
        {
            Endpoints = [Endpoint],
            Username = "root",
            Password = AuthEtcdFixture.RootPassword,
        }, TimeProvider.System, logger);
        await client.GetAsync("/x");

        // Simple tokens expire after --auth-token-ttl seconds without use.
        await Task.Delay(TimeSpan.FromSeconds(AuthEtcdFixture.TokenTtlSeconds + 1.5));
        await client.GetAsync("/x");
        await Task.Delay(TimeSpan.FromSeconds(AuthEtcdFixture.TokenTtlSeconds + 1.5));
        var blobs = 0;
        await foreach (var unused in client.SnapshotAsync(Endpoint))
        {
            blobs++;
        }

        var renewals = logger.Events.Where(e => e.Id.Id == 1001).Select(e => e.Message).ToList();
        Assert.Equal(2, renewals.Count);
        Assert.Contains(renewals, m => m.Contains("invalid auth token", StringComparison.Ordinal));
        Assert.True(blobs > 1);
    }

    [Fact]
    public async Task LeaseIsKeptAliveAcrossSeveralTokenLifetimes()
    {
        // The lock's lease must outlive the token it was granted with: a backup runs for minutes, tokens live for
        // --auth-token-ttl seconds (here a few).
        using var client = new EtcdClient(new EtcdClientOptions
        {
            Endpoints = [Endpoint],
            Username = "root",
            Password = AuthEtcdFixture.RootPassword,
        });
        var lease = await client.LeaseGrantAsync(2);
        await using var keepAlive = client.KeepAlive(lease.ID, TimeSpan.FromSeconds(2));

        await Task.Delay(TimeSpan.FromSeconds((AuthEtcdFixture.TokenTtlSeconds * 2) + 2));
        await client.GetAsync("/x");

        Assert.False(keepAlive.Lost.IsCompleted, "the lease was lost while its token expired");
        Assert.True(keepAlive.Renewals >= 3, $"renewals: {keepAlive.Renewals}");
        var ttl = await client.LeaseTimeToLiveAsync(lease.ID);
        Assert.True(ttl.TTL > 0);
    }

    [Fact]
    public async Task StatusNeedsNoToken()
    {
        // etcd 3.4 answers Status without authentication (etcd-wire.md §2); endpoint status relies on it.
        using var client = fixture.Cluster.Client();
        var status = await client.StatusAsync(Endpoint);
        Assert.NotEmpty(status.Version);
    }
}

using EtcdAgent.IntegrationTests.Fixtures;
using EtcdAgent.Protocol.Connection;
using EtcdAgent.Protocol.Etcd;
using Grpc.Core;
using Xunit;

namespace EtcdAgent.IntegrationTests.Protocol;

public sealed class TlsTests(TlsEtcdFixture fixture) : IClassFixture<TlsEtcdFixture>
{
    private Uri Endpoint => fixture.Cluster.First.ClientUrl;

    [Fact]
    public async Task MutualTlsWithTheRightCaAndClientCertificateWorks()
    {
        using var client = fixture.Cluster.Client();
        await client.PutAsync("/tls/k", "v");
        var status = await client.StatusAsync(Endpoint);

        Assert.Equal("https", Endpoint.Scheme);
        Assert.Equal("v", (await client.GetAsync("/tls/k")).Kvs[0].Value.ToStringUtf8());
        Assert.NotEmpty(status.Version);
    }

    [Fact]
    public async Task WrongCaFailsAndSaysTheCertificateDoesNotChain()
    {
        using var client = fixture.Cluster.Client(tls: new TlsSettings(fixture.Tls.OtherCaCert, fixture.Tls.ClientCert, fixture.Tls.ClientKey));

        var ex = await Assert.ThrowsAsync<EtcdRpcException>(() => client.StatusAsync(Endpoint));

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Contains("does not chain to the CA in --cacert", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingClientCertificateFailsClearly()
    {
        using var client = fixture.Cluster.Client(tls: new TlsSettings(fixture.Tls.CaCert, null, null));

        var ex = await Assert.ThrowsAsync<EtcdRpcException>(() => client.StatusAsync(Endpoint));

        Assert.True(ex.StatusCode == StatusCode.Unavailable, ex.ToString());
        Assert.True(ex.Message.Contains("TLS", StringComparison.Ordinal), ex.ToString());
        Assert.Contains("--cert/--key", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlainHttpToATlsPortFails()
    {
        using var client = fixture.Cluster.Client(endpoints: [new Uri($"http://127.0.0.1:{fixture.Cluster.First.ClientPort}")], commandTimeout: TimeSpan.FromSeconds(2));

        var ex = await Assert.ThrowsAsync<EtcdRpcException>(() => client.StatusAsync(new Uri($"http://127.0.0.1:{fixture.Cluster.First.ClientPort}")));

        Assert.Contains(ex.StatusCode, new[] { StatusCode.Unavailable, StatusCode.DeadlineExceeded, StatusCode.Internal });
    }
}

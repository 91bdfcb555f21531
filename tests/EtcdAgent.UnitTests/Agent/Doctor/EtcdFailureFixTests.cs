using EtcdAgent.Configuration;
using EtcdAgent.Doctor;
using EtcdAgent.Etcd;
using EtcdAgent.Protocol.Etcd;
using Grpc.Core;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Doctor;

public sealed class EtcdFailureFixTests
{
    private static EtcdConnectionSettings Settings(string source = "the config file", string? user = null) =>
        new() { Endpoints = [new Uri("http://10.0.0.1:2379")], Source = source, User = user, Password = user is null ? null : "secret" };

    [Fact]
    public void ExplainTellsATimeoutFromNothingListening()
    {
        var timeout = EtcdFailureFix.Explain(new EtcdRpcException(StatusCode.DeadlineExceeded, "deadline exceeded"), Settings());
        var refused = EtcdFailureFix.Explain(new EtcdRpcException(StatusCode.Unavailable, "cannot connect: Connection refused"), Settings());

        Assert.Contains("did not answer in time", timeout.Fix, StringComparison.Ordinal);
        Assert.Contains("start etcd or point etcd.endpoints at", refused.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void ExplainNamesTheFlagOrVariableTheEndpointsCameFrom()
    {
        var result = EtcdFailureFix.Explain(new EtcdRpcException(StatusCode.Unavailable, "refused"), Settings("ETCDCTL_ENDPOINTS"));

        Assert.Contains("point ETCDCTL_ENDPOINTS at", result.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void ExplainSendsLocalFileProblemsBackToTheFile()
    {
        var result = EtcdFailureFix.Explain(new ConfigurationException("client key file /k is accessible by group or others (mode 0644); run: chmod 600 /k"), Settings());

        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.Contains("chmod 600 /k", result.Detail, StringComparison.Ordinal);
        Assert.Contains("etcd-agent config check", result.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void ExplainNeverRepeatsThePassword()
    {
        var result = EtcdFailureFix.Explain(new EtcdRpcException(StatusCode.InvalidArgument, "etcdserver: authentication failed, invalid user ID or password"), Settings(user: "root"));

        Assert.Contains("check etcd.user (root)", result.Fix, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", result.Detail + result.Fix, StringComparison.Ordinal);
    }
}

using EtcdAgent.Protocol.Etcd;
using Grpc.Core;
using Xunit;

namespace EtcdAgent.UnitTests.Protocol.Etcd;

/// <summary>Classification of the errors etcd 3.4 was seen to return (etcd-wire.md §2).</summary>
public sealed class EtcdErrorsTests
{
    [Fact]
    public void InvalidTokenIsRecognisedOnSnapshotsUnknownCode() =>
        Assert.True(EtcdErrors.IsInvalidToken(new EtcdRpcException(StatusCode.Unknown, "auth: invalid auth token")));

    [Fact]
    public void InvalidTokenIsRecognisedAsUnauthenticatedOnKv() =>
        Assert.True(EtcdErrors.IsInvalidToken(new EtcdRpcException(StatusCode.Unauthenticated, "etcdserver: invalid auth token")));

    [Fact]
    public void PermissionDeniedIsRecognisedOnUnknownCode() =>
        Assert.True(EtcdErrors.IsPermissionDenied(new EtcdRpcException(StatusCode.Unknown, "auth: permission denied")));

    [Fact]
    public void WrongPasswordIsAuthenticationFailedNotInvalidToken()
    {
        var ex = new EtcdRpcException(StatusCode.InvalidArgument, "etcdserver: authentication failed, invalid user ID or password");
        Assert.True(EtcdErrors.IsAuthenticationFailed(ex));
        Assert.False(EtcdErrors.IsInvalidToken(ex));
    }

    [Fact]
    public void UnrelatedUnknownErrorIsNeitherAuthNorPermission()
    {
        var ex = new EtcdRpcException(StatusCode.Unknown, "something else");
        Assert.False(EtcdErrors.IsInvalidToken(ex));
        Assert.False(EtcdErrors.IsPermissionDenied(ex));
    }
}

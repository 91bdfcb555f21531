using Grpc.Core;

namespace EtcdAgent.Protocol.Etcd;

/// <summary>
/// Classifies etcd errors by code and message: etcd 3.4 reports several auth errors on Maintenance calls as
/// UNKNOWN with an "auth: ..." message (etcd-wire.md §2), so the code alone misleads.
/// Messages from etcd's api/v3rpc/rpctypes/error.go.
/// </summary>
public static class EtcdErrors
{
    /// <summary>The token is missing, expired or unknown to this member: authenticate again.</summary>
    public static bool IsInvalidToken(EtcdRpcException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        // "revision of auth store is old": the token predates a permission change; clientv3 renews it too.
        return Contains(ex, "invalid auth token") || Contains(ex, "revision of auth store is old")
               || (ex.StatusCode == StatusCode.Unauthenticated && !Contains(ex, "authentication failed"));
    }

    /// <summary>The user is known but lacks the role (Snapshot, Defragment and HashKV need root).</summary>
    public static bool IsPermissionDenied(EtcdRpcException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        return ex.StatusCode == StatusCode.PermissionDenied || Contains(ex, "permission denied");
    }

    /// <summary>Wrong user name or password (INVALID_ARGUMENT on etcd 3.4).</summary>
    public static bool IsAuthenticationFailed(EtcdRpcException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        return Contains(ex, "authentication failed");
    }

    /// <summary>Credentials were given but the cluster has auth turned off.</summary>
    public static bool IsAuthNotEnabled(EtcdRpcException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        return Contains(ex, "authentication is not enabled");
    }

    /// <summary>The call needs a token and none was sent.</summary>
    public static bool IsUserEmpty(EtcdRpcException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        return Contains(ex, "user name is empty") || Contains(ex, "user name not found");
    }

    /// <summary>NOSPACE: the backend quota is exhausted; reads and snapshots still work.</summary>
    public static bool IsNoSpace(EtcdRpcException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        return ex.StatusCode == StatusCode.ResourceExhausted || Contains(ex, "database space exceeded");
    }

    private static bool Contains(EtcdRpcException ex, string text) =>
        ex.Detail.Contains(text, StringComparison.OrdinalIgnoreCase);
}

using EtcdAgent.Configuration;
using EtcdAgent.Coordination;
using EtcdAgent.Etcd;
using EtcdAgent.Protocol.Etcd;
using EtcdAgent.Snapshots;
using EtcdAgent.Storage;
using Grpc.Core;

namespace EtcdAgent.Failures;

/// <summary>
/// Turns a failure into one message an operator can act on and the matching exit code, so the same failure reads
/// the same in every verb and in doctor. Below Commands and Doctor so that both can use it without Doctor
/// depending on the verbs (docs/architecture.md, section 2).
/// </summary>
internal static class FailureMessages
{
    public static (int Code, string Message) Describe(Exception ex, EtcdConnectionSettings? settings) => ex switch
    {
        ConfigurationException => (ExitCodes.Usage, ex.Message),
        Restore.RestoreStepException => (ExitCodes.Failure, ex.Message),
        OperationCanceledException => (ExitCodes.Interrupted, "interrupted"),
        EtcdRpcException rpc => DescribeRpc(rpc, settings),
        SnapshotException { Fault: SnapshotFault.Corrupt } => (ExitCodes.Corrupt, ex.Message),
        SnapshotException => (ExitCodes.Unavailable, ex.Message),
        WorkDirectoryFullException => (ExitCodes.LocalDiskFull, ex.Message),
        BusyException => (ExitCodes.Busy, ex.Message),
        StoreException { Fault: StoreFault.Denied } => (ExitCodes.StoreDenied, ex.Message),
        StoreException { Fault: StoreFault.Unavailable } => (ExitCodes.StoreUnavailable, ex.Message),
        StoreException { Fault: StoreFault.NotFound } => (ExitCodes.NotInStore, ex.Message),
        StoreException { Fault: StoreFault.Full } => (ExitCodes.StoreFull, ex.Message),
        StoreException => (ExitCodes.Failure, ex.Message),
        Bundle.BundleMissingException => (ExitCodes.NotInStore, ex.Message),
        InvalidDataException => (ExitCodes.Corrupt, ex.Message),
        IOException io when LocalIo.IsDiskFull(io) => (ExitCodes.LocalDiskFull,
            $"disk full: {io.Message}. Nothing was kept; free space or write somewhere else."),
        IOException or UnauthorizedAccessException => (ExitCodes.Failure, $"local file error: {ex.Message}"),
        _ => (ExitCodes.Failure, ex.Message),
    };

    private static (int, string) DescribeRpc(EtcdRpcException ex, EtcdConnectionSettings? settings)
    {
        var user = settings?.User;
        if (EtcdErrors.IsAuthenticationFailed(ex))
        {
            return (ExitCodes.AuthFailed,
                $"authentication failed for user '{user}': wrong user name or password ({ex.Detail}). " +
                "Check --user and the password in --password-file or ETCD_AGENT_PASSWORD.");
        }

        if (EtcdErrors.IsPermissionDenied(ex))
        {
            return (ExitCodes.AuthFailed,
                $"permission denied for user '{user ?? "(none)"}' ({ex.Detail}). Snapshot, defragment and hashkv need " +
                "the root role when auth is enabled: use the root user or grant it (etcdctl user grant-role USER root).");
        }

        if (EtcdErrors.IsUserEmpty(ex) || (user is null && EtcdErrors.IsInvalidToken(ex)))
        {
            return (ExitCodes.AuthFailed,
                $"etcd requires authentication ({ex.Detail}): pass --user NAME and --password-file FILE " +
                "(or ETCD_AGENT_PASSWORD).");
        }

        if (EtcdErrors.IsInvalidToken(ex))
        {
            return (ExitCodes.AuthFailed, $"etcd rejected the auth token even after authenticating again ({ex.Detail}).");
        }

        if (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
        {
            var where = settings is null ? string.Empty : $" (endpoints from {settings.Source})";
            return (ExitCodes.Unavailable,
                $"{ex.Detail}{where}. Is etcd running and listening there? Check --endpoints, http vs https, and " +
                "--dial-timeout/--command-timeout on slow links.");
        }

        return (ExitCodes.Failure, ex.Message);
    }
}

using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace EtcdAgent.Protocol.Etcd;

public sealed partial class EtcdClient
{
    /// <summary>Client log events; EventIds 1000-1099 are stable for log-based alerting.</summary>
    internal static partial class Log
    {
        [LoggerMessage(EventId = 1000, Level = LogLevel.Warning,
            Message = "{Method} failed on {Endpoint} ({Code}: {Detail}); trying the next endpoint")]
        public static partial void FailingOver(ILogger logger, string method, Uri endpoint, StatusCode code, string detail);

        [LoggerMessage(EventId = 1001, Level = LogLevel.Information,
            Message = "auth token rejected by {Endpoint} ({Detail}); authenticating again")]
        public static partial void Reauthenticating(ILogger logger, Uri endpoint, string detail);

        [LoggerMessage(EventId = 1002, Level = LogLevel.Warning,
            Message = "credentials were given but auth is not enabled on {Endpoint}; calling without a token")]
        public static partial void AuthNotEnabled(ILogger logger, Uri endpoint);

        [LoggerMessage(EventId = 1003, Level = LogLevel.Warning,
            Message = "keepalive of lease {LeaseId:x} failed on {Endpoint} ({Detail}); retrying")]
        public static partial void KeepAliveRetry(ILogger logger, long leaseId, Uri endpoint, string detail);

        [LoggerMessage(EventId = 1004, Level = LogLevel.Warning,
            Message = "lease {LeaseId:x} is lost: {Reason}")]
        public static partial void LeaseLost(ILogger logger, long leaseId, string reason);
    }
}

using EtcdAgent.Configuration;
using EtcdAgent.Storage.S3;
using Microsoft.Extensions.Logging;

namespace EtcdAgent.Storage;

/// <summary>The configured store.</summary>
internal static class StoreFactory
{
    public static IObjectStore Create(StoreOptions options, ILoggerFactory loggers, TimeProvider time) => options.Kind switch
    {
        StoreKind.S3 => new S3ObjectStore(S3ClientFactory.Create(options.S3!), options.S3!, loggers.CreateLogger("EtcdAgent.Storage.S3"), time),
        _ => new LocalDirectoryStore(options.LocalPath!),
    };
}

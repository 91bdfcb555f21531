using EtcdAgent.Configuration;
using EtcdAgent.Protocol.Connection;
using EtcdAgent.Protocol.Etcd;
using Microsoft.Extensions.Logging;

namespace EtcdAgent.Etcd;

/// <summary>The one place that turns connection settings into an <see cref="EtcdClient"/>.</summary>
internal static class EtcdClientFactory
{
    public static EtcdClient Create(EtcdConnectionSettings settings, TimeProvider timeProvider, ILoggerFactory loggers)
    {
        if (settings.KeyFile is not null)
        {
            SecretFiles.EnsurePrivate(settings.KeyFile, "client key file");
        }

        foreach (var (file, what) in new[] { (settings.CaFile, "CA file (--cacert)"), (settings.CertFile, "certificate file (--cert)") })
        {
            if (file is not null && FileChecks.NotAFile(file) is { } problem)
            {
                throw new ConfigurationException($"{what} {file} {problem}");
            }
        }

        var tls = settings.CaFile is null && settings.CertFile is null && settings.KeyFile is null
            ? null
            : new TlsSettings(settings.CaFile, settings.CertFile, settings.KeyFile);
        if (tls is not null && settings.Endpoints.All(e => e.Scheme == "http"))
        {
            throw new ConfigurationException(
                "TLS files were given but every endpoint is http://; use https:// endpoints (etcd's client URLs) " +
                "or drop --cacert/--cert/--key");
        }

        try
        {
            return new EtcdClient(new EtcdClientOptions
            {
                Endpoints = settings.Endpoints,
                DialTimeout = settings.DialTimeout,
                CommandTimeout = settings.CommandTimeout,
                Tls = tls,
                Username = settings.User,
                Password = settings.Password,
            }, timeProvider, loggers.CreateLogger<EtcdClient>());
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            throw new ConfigurationException(ex.Message, ex);
        }
    }
}

using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Configuration;
using EtcdAgent.Diagnostics;
using EtcdAgent.Etcd;
using EtcdAgent.Hosting;
using EtcdAgent.Retention;
using EtcdAgent.Scheduling;
using EtcdAgent.Snapshots;
using EtcdAgent.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace EtcdAgent.Composition;

/// <summary>
/// The one registration of the pipeline's services, shared by the daemon's host and the CLI's lean container: the
/// loaded configuration, the clock, the etcd facade for the resolved connection, the store, the keyring (the only
/// code that opens key files), the pruner, the metrics and the ticks the daemon's jobs and `run --once` run. Each is
/// built once, on first use, from the one configuration load. Tests replace single services (a fake store).
/// </summary>
internal static class AgentServices
{
    /// <summary>
    /// Registers the pipeline's services. <paramref name="connection"/> is null for verbs that only use the store;
    /// then nothing that needs etcd can be resolved.
    /// </summary>
    public static IServiceCollection AddEtcdAgent(this IServiceCollection services, AgentOptions options, EtcdConnectionSettings? connection, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(options);

        // Each concern's validated options on its own, so a service takes what it reads and no more.
        services.AddSingleton(options.Etcd);
        services.AddSingleton(options.Store);
        services.AddSingleton(options.Backup);
        services.AddSingleton(options.Retention);
        services.AddSingleton(options.Schedule);
        services.AddSingleton(options.Drill);
        services.AddSingleton(time);
        if (connection is not null)
        {
            services.AddSingleton(connection);
            services.AddSingleton(sp => EtcdClientFactory.Create(connection, time, sp.GetRequiredService<ILoggerFactory>()));
        }

        services.AddSingleton(sp => StoreFactory.Create(options.Store, sp.GetRequiredService<ILoggerFactory>(), time));
        services.AddSingleton(_ => KeyringService.Load(options.Backup));
        services.AddSingleton(sp => new Lazy<KeyringService>(sp.GetRequiredService<KeyringService>));
        services.AddSingleton(_ => new DaemonMetrics(time, BuildInfo.Version));
        services.AddSingleton(sp => new Pruner(sp.GetRequiredService<IObjectStore>(), options, time, sp.GetRequiredService<ILoggerFactory>().CreateLogger("EtcdAgent.Retention")));
        if (options.Webhook is { } url)
        {
            services.AddSingleton(sp => new FailureWebhook(url, options.Cluster, options.Node, time, sp.GetRequiredService<ILoggerFactory>().CreateLogger("EtcdAgent.Webhook")));
        }

        // `backup create`'s pipeline (the daemon's tick builds its own, with progress and the keys loaded at start).
        services.AddTransient(sp => new BackupPipeline(options, sp.GetRequiredService<IObjectStore>(), time, sp.GetRequiredService<ILoggerFactory>().CreateLogger("EtcdAgent.Backup")));
        services.AddSingleton<PruneTick>();
        services.AddSingleton<BackupTick>();
        services.AddSingleton<DrillTick>();
        return services;
    }

    /// <summary>A verb's lean container: the one registration, no host, logging through the CLI's factory.</summary>
    public static ServiceProvider ForCli(AgentOptions options, EtcdConnectionSettings? connection, ILoggerFactory loggers, TimeProvider time) =>
        new ServiceCollection().AddCliLogging(loggers).AddEtcdAgent(options, connection, time).BuildServiceProvider();

    /// <summary>The CLI's container logs through the CLI's logger factory (stderr); the host brings its own.</summary>
    public static IServiceCollection AddCliLogging(this IServiceCollection services, ILoggerFactory loggers)
    {
        services.AddSingleton(loggers);
        services.TryAdd(ServiceDescriptor.Singleton(typeof(ILogger<>), typeof(Logger<>)));
        return services;
    }
}

using EtcdAgent.Configuration;
using EtcdAgent.Etcd;
using EtcdAgent.Hosting;
using EtcdAgent.Scheduling;
using EtcdAgent.Snapshots;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Quartz;

namespace EtcdAgent.Composition;

/// <summary>
/// `etcd-agent run`: the .NET Generic Host with UseSystemd (READY/STOPPING from the library), the pipeline's
/// services from <see cref="AgentServices"/>, Quartz running the jobs, the watchdog, the metrics endpoint.
/// </summary>
internal static class DaemonHost
{
    /// <summary>
    /// How long SIGTERM waits for running jobs (cancelled, their uploads aborted) before the host gives up: inside
    /// the CLI's own 30 s after a signal (CliApp.ProcessTerminationTimeout; past it the exit code
    /// would be 143, which systemd counts as a failed stop) and so inside the unit's TimeoutStopSec=45s too.
    /// </summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(25);

    public static IHost Build(AgentOptions options, EtcdConnectionSettings connection, TimeProvider time, Func<string, string?> environment,
        Action<ILoggingBuilder> logging, Action<IServiceCollection>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(logging);

        // No defaults: no appsettings.json or environment configuration sources (the agent has its own file), no
        // file watchers; the content root is the binary's directory, never the working directory.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ApplicationName = "etcd-agent",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Logging.ClearProviders();
        logging(builder.Logging);

        builder.Services.AddSystemd();

        // UseSystemd recognises systemd by the parent process; sd_notify(3)'s own rule is NOTIFY_SOCKET. A service
        // started through a wrapper (a supervisor, sudo, a test) still owes systemd its READY=1.
        if (environment("NOTIFY_SOCKET") is not null && !SystemdHelpers.IsSystemdService())
        {
            builder.Services.AddSingleton<IHostLifetime, SystemdLifetime>();
        }

        builder.Services.AddSingleton(new DaemonNotifier(new SystemdNotifier()));
        builder.Services.AddSingleton<ISystemdNotifier>(sp => sp.GetRequiredService<DaemonNotifier>());

        builder.Services.AddEtcdAgent(options, connection, time);
        builder.Services.AddSingleton(new DaemonState(options.Schedule.StateDir, options.Cluster));
        builder.Services.AddSingleton<Liveness>();

        var watchdog = DaemonNotifier.WatchdogInterval(environment);
        var plan = DaemonSchedule.PlanFor(options, time.GetUtcNow(), SpoolHasPending(options.Backup.SpoolDir), watchdog);
        builder.Services.AddSingleton(plan);

        // Start order: the start-up review before the scheduler (Quartz starts its jobs only once the host has started).
        builder.Services.AddHostedService<DaemonStartup>();
        DaemonSchedule.Add(builder.Services, plan, time);
        builder.Services.AddQuartzHostedService(o =>
        {
            o.WaitForJobsToComplete = true;
            o.AwaitApplicationStarted = true;
        });
        if (options.Continuous.Enabled)
        {
            builder.Services.AddHostedService<ContinuousService>();
        }

        if (watchdog is { } interval)
        {
            builder.Services.AddHostedService(sp => new WatchdogService(sp.GetRequiredService<DaemonNotifier>(), sp.GetRequiredService<Liveness>(),
                interval, time, sp.GetRequiredService<ILogger<WatchdogService>>()));
        }

        if (options.MetricsAddress is { } address)
        {
            builder.Services.AddHostedService(sp => new MetricsEndpoint(address, sp.GetRequiredService<Diagnostics.DaemonMetrics>(), options.HealthTicks,
                sp.GetRequiredService<ILogger<MetricsEndpoint>>()));
        }

        overrides?.Invoke(builder.Services);
        return builder.Build();
    }

    private static bool SpoolHasPending(string spoolDir)
    {
        try
        {
            return SpoolLeftovers.Scan(spoolDir).Any(e => e.Kind == SpoolEntryKind.Pending);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false; // the start-up review logs why the spool cannot be read
        }
    }
}

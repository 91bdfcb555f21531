using System.CommandLine;
using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Configuration;
using EtcdAgent.Etcd;
using EtcdAgent.Hosting;
using EtcdAgent.Scheduling;
using EtcdAgent.Storage;

namespace EtcdAgent.Commands;

/// <summary>
/// <c>etcd-agent run [--once]</c>: the daemon systemd starts. Configuration is validated first (exit 78 with every
/// problem named, so RestartPreventExitStatus=78 stops a crash loop); etcd or the store being unreachable is not a
/// start failure — the first tick reports it and later ticks retry. SIGTERM ends it with exit 0.
/// </summary>
internal static class RunCommand
{
    public static Command Create(CliContext context, ConnectionFlags connection, AgentFlags flags)
    {
        var once = new Option<bool>("--once") { Description = "Run one backup tick now (lock, backup, prune) and exit: for cron or a manual run" };
        var command = new Command("run", "The daemon: scheduled, single-writer backups and pruning (systemd Type=notify)") { once };
        command.SetAction(async (parse, ct) =>
        {
            AgentOptions options;
            EtcdConnectionSettings settings;
            KeyringService keys;
            try
            {
                options = flags.Load(parse, context);
                settings = connection.Resolve(parse, context, options.Etcd);
                if (settings.Endpoints.Count != 1)
                {
                    throw new ConfigurationException(
                        $"run backs up the local member only; etcd.endpoints has {settings.Endpoints.Count} ({string.Join(",", settings.Endpoints.Select(e => e.Display()))}): list this node's member alone");
                }

                keys = KeyringService.Load(options.Backup);
            }
            catch (ConfigurationException ex)
            {
                context.Error.WriteLine("Error: " + ex.Message);
                return ExitCodes.ConfigError;
            }

            try
            {
                using var notifier = new SystemdNotifier(context.Environment);
                using var store = StoreFactory.Create(options.Store, context.Loggers, context.Time);
                using var client = EtcdClientFactory.Create(settings, context.Time, context.Loggers);
                var metrics = new Diagnostics.DaemonMetrics(context.Time, VersionCommand.AgentVersion);
                using var server = options.MetricsAddress is { } address && !parse.GetValue(once)
                    ? new MetricsServer(address, metrics, options.HealthTicks, context.Loggers.CreateLogger("EtcdAgent.Metrics"))
                    : null;
                using var stopServer = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var serving = server?.RunAsync(stopServer.Token) ?? Task.CompletedTask;
                using var webhook = options.Webhook is { } url
                    ? new FailureWebhook(url, options.Cluster, options.Node, context.Time, context.Loggers.CreateLogger("EtcdAgent.Webhook"))
                    : null;
                var daemon = new Daemon(options, client, settings.Endpoints[0], store, notifier, context.Time, context.Loggers, metrics, webhook, keys);
                var exit = await daemon.RunAsync(parse.GetValue(once), ct).ConfigureAwait(false);
                await stopServer.CancelAsync().ConfigureAwait(false);
                await serving.ConfigureAwait(false);
                return exit;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return ExitCodes.Success;
            }
#pragma warning disable CA1031 // Top of a verb.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                return CommandFailure.Report(ex, context, settings);
            }
        });
        return command;
    }
}

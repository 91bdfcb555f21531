using System.CommandLine;
using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Composition;
using EtcdAgent.Configuration;
using EtcdAgent.Diagnostics;
using EtcdAgent.Etcd;
using EtcdAgent.Failures;
using EtcdAgent.Scheduling;
using EtcdAgent.Scheduling.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EtcdAgent.Commands;

/// <summary>
/// <c>etcd-agent run [--once]</c>: the daemon systemd starts. Configuration and the encryption keys are validated
/// first (exit 78 with every problem named, so RestartPreventExitStatus=78 stops a crash loop); etcd or the store
/// being unreachable is not a start failure — the first tick reports it and later ticks retry. SIGTERM ends it with
/// exit 0. The daemon runs on the Generic Host (<see cref="DaemonHost"/>); --once runs one tick through the same
/// registration in a lean container, without a host.
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
                if (parse.GetValue(once))
                {
                    return await OnceAsync(options, settings, keys, context, ct).ConfigureAwait(false);
                }

                using var host = DaemonHost.Build(options, settings, context.Time, context.Environment,
                    logging => logging.AddAgentConsole(ConsoleLogging.Level(daemon: true, context.Environment), context.Environment),
                    services => services.AddSingleton(keys));
                await host.RunAsync(ct).ConfigureAwait(false);
                return ExitCodes.Success;
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

    /// <summary>One tick now (with prune), for cron or by hand: 0 when served, 1 when it failed.</summary>
    private static async Task<int> OnceAsync(AgentOptions options, EtcdConnectionSettings settings, KeyringService keys, CliContext context, CancellationToken ct)
    {
        var provider = new ServiceCollection().AddCliLogging(context.Loggers).AddEtcdAgent(options, settings, context.Time).AddSingleton(keys).BuildServiceProvider();
        await using (provider.ConfigureAwait(false))
        {
            new SpoolReview(options.Backup.SpoolDir, context.Loggers.CreateLogger("EtcdAgent.Spool")).Run();
            var ok = await provider.GetRequiredService<BackupTick>().RunAsync(context.Time.GetUtcNow(), pruneAfter: true, null, _ => { }, ct).ConfigureAwait(false);
            AfterJob.WriteTextfile(options, provider.GetRequiredService<DaemonMetrics>(), context.Loggers.CreateLogger("EtcdAgent.Daemon"));
            return ok ? ExitCodes.Success : ExitCodes.Failure;
        }
    }
}

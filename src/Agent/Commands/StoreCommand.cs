using System.CommandLine;
using EtcdAgent.Composition;
using EtcdAgent.Configuration;
using EtcdAgent.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace EtcdAgent.Commands;

/// <summary>
/// Runs a verb that works on the store: loads the configuration once, resolves what the verb needs from the one
/// registration (<see cref="AgentServices"/>, the daemon's too) in a lean container, reports failures uniformly.
/// </summary>
internal static class StoreCommand
{
    public static Task<int> RunAsync(ParseResult parse, CliContext context, AgentFlags flags,
        Func<AgentOptions, IObjectStore, Task<int>> body) =>
        RunAsync(parse, context, flags, (options, services) => body(options, services.GetRequiredService<IObjectStore>()));

    public static async Task<int> RunAsync(ParseResult parse, CliContext context, AgentFlags flags,
        Func<AgentOptions, IServiceProvider, Task<int>> body)
    {
        try
        {
            var options = flags.Load(parse, context);
            var services = AgentServices.ForCli(options, connection: null, context.Loggers, context.Time);
            await using (services.ConfigureAwait(false))
            {
                return await body(options, services).ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // Top of a verb: every failure becomes a message and an exit code.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return CommandFailure.Report(ex, context, settings: null);
        }
    }
}

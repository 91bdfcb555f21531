using System.CommandLine;
using EtcdAgent.Configuration;
using EtcdAgent.Storage;

namespace EtcdAgent.Commands;

/// <summary>Runs a verb that works on the store: loads the configuration, opens the store, reports failures uniformly.</summary>
internal static class StoreCommand
{
    public static async Task<int> RunAsync(ParseResult parse, CliContext context, AgentFlags flags,
        Func<AgentOptions, IObjectStore, Task<int>> body)
    {
        try
        {
            var options = flags.Load(parse, context);
            using var store = StoreFactory.Create(options.Store, context.Loggers, context.Time);
            return await body(options, store).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Top of a verb: every failure becomes a message and an exit code.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return CommandFailure.Report(ex, context, settings: null);
        }
    }
}

using System.CommandLine;
using EtcdAgent.Etcd;
using EtcdAgent.Protocol.Etcd;

namespace EtcdAgent.Commands;

/// <summary>
/// Runs a verb that talks to etcd: resolves the connection, creates the client, reports failures uniformly.
/// </summary>
internal static class ConnectedCommand
{
    public static async Task<int> RunAsync(ParseResult parse, CliContext context, ConnectionFlags flags,
        Func<EtcdClient, EtcdConnectionSettings, Task<int>> body)
    {
        EtcdConnectionSettings? settings = null;
        try
        {
            settings = flags.Resolve(parse, context);
            using var client = EtcdClientFactory.Create(settings, context.Time, context.Loggers);
            return await body(client, settings).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Top of a verb: every failure becomes a message and an exit code.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return CommandFailure.Report(ex, context, settings);
        }
    }
}

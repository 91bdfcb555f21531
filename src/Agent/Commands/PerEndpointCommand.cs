using System.CommandLine;
using EtcdAgent.Etcd;
using EtcdAgent.Protocol.Etcd;

namespace EtcdAgent.Commands;

/// <summary>
/// A verb that asks each endpoint something (endpoint status, endpoint health). With --cluster the endpoints come
/// from the member list, as etcdctl's --cluster does, reached with the same TLS and credentials.
/// </summary>
internal static class PerEndpointCommand
{
    public delegate Task<int> Body(EtcdClient client, string format, CliContext context, CancellationToken ct);

    public static Command Create(string name, string description, CliContext context, ConnectionFlags flags,
        Option<string> writeOut, Body body)
    {
        var cluster = new Option<bool>("--cluster") { Description = "Every member listed by the cluster, not just --endpoints" };
        var command = new Command(name, description) { cluster };
        command.SetAction((parse, ct) => ConnectedCommand.RunAsync(parse, context, flags, async (client, settings) =>
        {
            var format = parse.GetValue(writeOut)!;
            if (!parse.GetValue(cluster))
            {
                return await body(client, format, context, ct).ConfigureAwait(false);
            }

            settings = await ClusterEndpoints.DiscoverAsync(client, settings, ct).ConfigureAwait(false);
            using var clusterClient = EtcdClientFactory.Create(settings, context.Time, context.Loggers);
            return await body(clusterClient, format, context, ct).ConfigureAwait(false);
        }));
        return command;
    }
}

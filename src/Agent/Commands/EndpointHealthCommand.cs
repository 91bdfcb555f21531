using System.CommandLine;
using System.Globalization;
using EtcdAgent.Etcd;
using EtcdAgent.Failures;
using EtcdAgent.Output;
using EtcdAgent.Protocol.Etcd;
using Etcdserverpb;
using Google.Protobuf;

namespace EtcdAgent.Commands;

/// <summary>
/// <c>etcd-agent endpoint health</c>: etcdctl's check — a linearizable read of the key "health" (it needs a
/// working quorum; permission denied still proves one), then no active alarm.
/// </summary>
internal static class EndpointHealthCommand
{
    public static Command Create(CliContext context, ConnectionFlags flags, Option<string> writeOut) =>
        PerEndpointCommand.Create("health", "Check that each endpoint serves linearizable reads and has no alarm", context, flags, writeOut, RunAsync);

    private static async Task<int> RunAsync(EtcdClient client, string format, CliContext context, CancellationToken ct)
    {
        var results = new List<EndpointHealthJson>();
        foreach (var endpoint in client.Endpoints)
        {
            results.Add(await CheckAsync(client, endpoint, context.Time, ct).ConfigureAwait(false));
        }

        if (format == OutputFormat.Json)
        {
            AgentJsonContext.Write(context.Out, results, AgentJsonContext.Default.ListEndpointHealthJson);
        }
        else
        {
            TableWriter.Write(context.Out, ["ENDPOINT", "HEALTH", "TOOK", "ERROR"],
                results.Select(r => (IReadOnlyList<string>)
                [
                    r.Endpoint, r.Health ? "true" : "false",
                    r.TookMs.ToString("0.###", CultureInfo.InvariantCulture) + "ms", r.Error ?? string.Empty,
                ]));
        }

        return results.TrueForAll(r => r.Health) ? ExitCodes.Success : ExitCodes.Unhealthy;
    }

    internal static async Task<EndpointHealthJson> CheckAsync(EtcdClient client, Uri endpoint, TimeProvider time,
        CancellationToken ct)
    {
        var name = endpoint.Display();
        var start = time.GetTimestamp();
        try
        {
            // Alarms first: the call also opens the connection, so TOOK below measures the proposal alone
            // (as etcdctl's does, whose dial happens before its clock starts).
            var alarms = await client.ListAlarmsAsync(endpoint, ct).ConfigureAwait(false);
            start = time.GetTimestamp();
            try
            {
                await client.RangeAsync(endpoint, new RangeRequest { Key = ByteString.CopyFromUtf8("health") }, ct)
                    .ConfigureAwait(false);
            }
            catch (EtcdRpcException ex) when (EtcdErrors.IsPermissionDenied(ex))
            {
                // The request was processed by a quorum and only then refused: the member is healthy.
            }

            var took = time.GetElapsedTime(start).TotalMilliseconds;
            if (alarms.Count > 0)
            {
                var list = string.Join(", ", alarms.Select(a => $"{a.Alarm.ToString().ToUpperInvariant()} on member {Hex.Id(a.MemberID)}"));
                return new EndpointHealthJson(name, false, took, $"active alarm(s): {list}");
            }

            return new EndpointHealthJson(name, true, took, null);
        }
        catch (EtcdRpcException ex)
        {
            // Auth problems get the same actionable text as everywhere else; the rest reads like etcdctl.
            var (code, message) = FailureMessages.Describe(ex, null);
            return new EndpointHealthJson(name, false, time.GetElapsedTime(start).TotalMilliseconds,
                code == ExitCodes.AuthFailed ? message : $"failed to commit proposal: {ex.Detail}");
        }
    }
}

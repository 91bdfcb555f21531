using System.CommandLine;
using EtcdAgent.Etcd;
using EtcdAgent.Failures;
using EtcdAgent.Output;
using EtcdAgent.Protocol.Etcd;

namespace EtcdAgent.Commands;

/// <summary><c>etcd-agent endpoint status</c>: each member's version, DB size, leadership and raft indexes.</summary>
internal static class EndpointStatusCommand
{
    public static Command Create(CliContext context, ConnectionFlags flags, Option<string> writeOut) =>
        PerEndpointCommand.Create("status", "Show each endpoint's version, DB size, leader and raft indexes", context, flags, writeOut, RunAsync);

    private static async Task<int> RunAsync(EtcdClient client, string format, CliContext context, CancellationToken ct)
    {
        var results = new List<EndpointStatusJson>();
        var failed = 0;
        foreach (var endpoint in client.Endpoints)
        {
            try
            {
                var s = await client.StatusAsync(endpoint, ct).ConfigureAwait(false);
                results.Add(new EndpointStatusJson(endpoint.Display(), Hex.Id(s.Header.MemberId),
                    Hex.Id(s.Header.ClusterId), s.Version, s.DbSize, s.DbSizeInUse, Hex.Id(s.Leader),
                    s.Leader == s.Header.MemberId, s.IsLearner, s.RaftTerm, s.RaftIndex, s.RaftAppliedIndex,
                    s.Header.Revision, s.Errors, s.StorageVersion.Length == 0 ? null : s.StorageVersion, null));
            }
            catch (EtcdRpcException ex)
            {
                failed++;
                var (_, message) = FailureMessages.Describe(ex, null);
                context.Error.WriteLine($"Error: cannot get the status of {endpoint.Display()}: {message}");
                results.Add(new EndpointStatusJson(endpoint.Display(), null, null, null, 0, 0, null,
                    false, false, 0, 0, 0, 0, [], null, ex.Detail));
            }
        }

        if (format == OutputFormat.Json)
        {
            AgentJsonContext.Write(context.Out, results, AgentJsonContext.Default.ListEndpointStatusJson);
        }
        else
        {
            TableWriter.Write(context.Out,
                ["ENDPOINT", "ID", "VERSION", "DB SIZE", "IS LEADER", "IS LEARNER", "RAFT TERM", "RAFT INDEX", "RAFT APPLIED INDEX", "ERRORS"],
                results.Where(r => r.Error is null).Select(r => (IReadOnlyList<string>)
                [
                    r.Endpoint, r.MemberId!, r.Version!, ByteSize.Format(r.DbSize), Bool(r.IsLeader), Bool(r.IsLearner),
                    Num(r.RaftTerm), Num(r.RaftIndex), Num(r.RaftAppliedIndex), string.Join(", ", r.Errors),
                ]));
        }

        return failed == 0 ? ExitCodes.Success : ExitCodes.Unavailable;
    }

    private static string Bool(bool value) => value ? "true" : "false";

    private static string Num(ulong value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

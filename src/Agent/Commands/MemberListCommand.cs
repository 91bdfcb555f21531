using System.CommandLine;
using EtcdAgent.Failures;
using EtcdAgent.Output;

namespace EtcdAgent.Commands;

/// <summary><c>etcd-agent member list</c>: the cluster's members as the contacted endpoint sees them.</summary>
internal static class MemberListCommand
{
    public static Command Create(CliContext context, ConnectionFlags flags, Option<string> writeOut)
    {
        var command = new Command("list", "List the cluster's members");
        command.SetAction((parse, ct) => ConnectedCommand.RunAsync(parse, context, flags, async (client, _) =>
        {
            var response = await client.MemberListAsync(ct).ConfigureAwait(false);
            var members = response.Members
                .Select(m => new MemberJson(Hex.Id(m.ID), m.Name.Length == 0 ? "unstarted" : "started", m.Name,
                    m.PeerURLs, m.ClientURLs, m.IsLearner))
                .ToList();
            if (parse.GetValue(writeOut) == OutputFormat.Json)
            {
                AgentJsonContext.Write(context.Out,
                    new MemberListJson(Hex.Id(response.Header.ClusterId), Hex.Id(response.Header.MemberId),
                        response.Header.Revision, members),
                    AgentJsonContext.Default.MemberListJson);
            }
            else
            {
                TableWriter.Write(context.Out, ["ID", "STATUS", "NAME", "PEER ADDRS", "CLIENT ADDRS", "IS LEARNER"],
                    members.Select(m => (IReadOnlyList<string>)
                    [
                        m.Id, m.Status, m.Name, string.Join(",", m.PeerUrls), string.Join(",", m.ClientUrls),
                        m.IsLearner ? "true" : "false",
                    ]));
            }

            return ExitCodes.Success;
        }));
        return command;
    }
}

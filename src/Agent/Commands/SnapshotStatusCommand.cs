using System.CommandLine;
using EtcdAgent.Failures;
using EtcdAgent.Output;
using EtcdAgent.Verification;

namespace EtcdAgent.Commands;

/// <summary>
/// <c>etcd-agent snapshot status FILE</c>: the same hash, revision, totalKey and totalSize as `etcdctl snapshot
/// status` (3.4/3.5), computed with flat memory instead of mapping the file; JSON adds live keys, storage version,
/// consistent index and per-bucket counts. Like etcdctl it does not check the trailer: `snapshot verify` does.
/// </summary>
internal static class SnapshotStatusCommand
{
    public static Command Create(CliContext context, Option<string> writeOut)
    {
        var file = new Argument<string>("FILE") { Description = "A snapshot file (or a raw member/snap/db)" };
        var command = new Command("status", "Print a snapshot's hash, revision, key count and size (etcdctl-compatible)") { file };
        command.SetAction((parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            return SnapshotFileCommand.RunAsync(context, path, () =>
            {
                var report = SnapshotVerifier.Status(path);
                if (!report.Valid)
                {
                    context.Error.WriteLine($"Error: {path} is corrupt: {report.Fault}");
                    return Task.FromResult(ExitCodes.Corrupt);
                }

                if (parse.GetValue(writeOut) == OutputFormat.Json)
                {
                    AgentJsonContext.Write(context.Out, SnapshotFileCommand.ToJson(report.Status!), AgentJsonContext.Default.SnapshotStatusJson);
                }
                else
                {
                    SnapshotFileCommand.WriteTable(context.Out, report.Status!);
                }

                return Task.FromResult(ExitCodes.Success);
            });
        });
        return command;
    }
}

using System.CommandLine;
using System.Globalization;
using EtcdAgent.Configuration;
using EtcdAgent.Etcd;
using EtcdAgent.Failures;
using EtcdAgent.Output;
using EtcdAgent.Snapshots;
using EtcdAgent.Storage;

namespace EtcdAgent.Commands;

/// <summary>
/// <c>etcd-agent snapshot save FILE</c>: what etcdctl writes, plus a recomputed sha256, 0600, fsync and an atomic
/// rename. The file appears only when it is whole and verified.
/// </summary>
internal static class SnapshotSaveCommand
{
    public static Command Create(CliContext context, ConnectionFlags flags, Option<string> writeOut)
    {
        var file = new Argument<string>("FILE") { Description = "Where to write the snapshot (created 0600)" };
        var force = new Option<bool>("--force") { Description = "Replace FILE if it exists (atomically, only once the new snapshot is verified)" };
        var command = new Command("save", "Stream a snapshot from one etcd member into FILE, verifying its sha256") { file, force };
        command.SetAction((parse, ct) => ConnectedCommand.RunAsync(parse, context, flags, async (client, settings) =>
        {
            if (settings.Endpoints.Count != 1)
            {
                throw new ConfigurationException(
                    $"snapshot must be taken from exactly one endpoint, got {settings.Endpoints.Count} " +
                    $"({string.Join(",", settings.Endpoints.Select(e => e.Display()))}); pass --endpoints with the one member to snapshot, usually the local one");
            }

            var path = Path.GetFullPath(parse.GetValue(file)!);
            var info = await AtomicFile.WriteAsync(path, parse.GetValue(force),
                stream => SnapshotDownloader.DownloadAsync(client, settings.Endpoints[0], stream, context.Time, ct),
                warning => context.Error.WriteLine("Warning: " + warning))
                .ConfigureAwait(false);
            Print(context.Out, path, info, parse.GetValue(writeOut)!);
            return ExitCodes.Success;
        }));
        return command;
    }

    private static void Print(TextWriter output, string path, SnapshotInfo info, string format)
    {
        var json = new SnapshotSaveJson(path, info.Endpoint.Display(), Hex.Id(info.MemberId), Hex.Id(info.ClusterId),
            info.Revision, info.RaftIndex, info.EtcdVersion, info.TotalBytes, info.Sha256,
            Math.Round(info.Duration.TotalMilliseconds, 1));
        if (format == OutputFormat.Json)
        {
            AgentJsonContext.Write(output, json, AgentJsonContext.Default.SnapshotSaveJson);
            return;
        }

        output.WriteLine($"Snapshot saved at {path}");
        output.WriteLine($"  endpoint:     {json.Endpoint} (member {json.MemberId}, etcd {json.EtcdVersion})");
        output.WriteLine($"  revision:     {json.Revision.ToString(CultureInfo.InvariantCulture)} (raft index {json.RaftIndex.ToString(CultureInfo.InvariantCulture)})");
        output.WriteLine($"  size:         {ByteSize.Format(json.Size)} ({json.Size.ToString(CultureInfo.InvariantCulture)} bytes)");
        output.WriteLine($"  sha256:       {json.Sha256} (recomputed, equals the trailer)");
        output.WriteLine($"  duration:     {info.Duration.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture)}s");
    }
}

using System.CommandLine;
using System.Globalization;
using EtcdAgent.Drill;
using EtcdAgent.Failures;
using EtcdAgent.Manifests;
using EtcdAgent.Output;

namespace EtcdAgent.Commands;

/// <summary>
/// <c>etcd-agent drill [ID|latest]</c>: prove a backup restores — into a throwaway etcd on loopback, checked against
/// the file — without touching the real member. The daemon runs the same drill on its drill schedule.
/// </summary>
internal static class DrillCommand
{
    public static Command Create(CliContext context, AgentFlags flags, Option<string> writeOut)
    {
        var id = new Argument<string>("ID") { Description = "A backup id from `backup list`, or latest", DefaultValueFactory = _ => "latest" };
        var etcdBinary = new Option<string?>("--etcd-binary") { Description = "etcd for the throwaway member (default: drill.etcdBinary, else etcd on PATH; none: verify-only)" };
        var restoreBinary = new Option<string?>("--restore-binary") { Description = "etcdutl/etcdctl (default: drill.restoreBinary, else PATH)" };
        var command = new Command("drill", "Restore a backup into a throwaway etcd on loopback and check it (the real member is never touched)")
        {
            id, etcdBinary, restoreBinary,
        };
        command.SetAction((parse, ct) => StoreCommand.RunAsync(parse, context, flags, async (options, store) =>
        {
            var manifest = await BackupCatalog.FindAsync(store, options.Cluster, parse.GetValue(id)!, ct).ConfigureAwait(false);
            var drill = options.Drill with
            {
                EtcdBinary = parse.GetValue(etcdBinary) ?? options.Drill.EtcdBinary,
                RestoreBinary = parse.GetValue(restoreBinary) ?? options.Drill.RestoreBinary,
            };
            var runner = new DrillRunner(drill, options.Schedule.StateDir, options.Backup.MaxSnapshotSize, context.Time, context.Loggers, context.Environment);
            var report = await runner.RunAsync(store, manifest, AgentFlags.Keyring(parse, flags, options), ct).ConfigureAwait(false);
            if (parse.GetValue(writeOut) == OutputFormat.Json)
            {
                context.Out.WriteLine(System.Text.Json.JsonSerializer.Serialize(report, DrillJsonContext.Default.DrillReport));
            }
            else
            {
                Write(context.Out, report);
            }

            return report.Passed ? ExitCodes.Success : report.FailedStage is "verify" or "check" ? ExitCodes.Corrupt : ExitCodes.Failure;
        }));
        return command;
    }

    private static void Write(TextWriter output, DrillReport report)
    {
        output.WriteLine($"Drill of {report.BackupId}: {report.Result.ToUpperInvariant()} ({report.Mode}, {report.DurationSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s)");
        foreach (var stage in report.Stages)
        {
            output.WriteLine($"  {(stage.Ok ? "ok  " : "FAIL")} {stage.Name,-9} {stage.Seconds.ToString("0.00", CultureInfo.InvariantCulture)} s");
        }

        if (report.Passed && report.Mode == "full")
        {
            output.WriteLine($"  restored and served: revision {report.Revision.ToString(CultureInfo.InvariantCulture)}, {report.LiveKeys?.ToString(CultureInfo.InvariantCulture) ?? "?"} keys, " +
                             $"{report.SampledKeys.ToString(CultureInfo.InvariantCulture)} sampled keys equal to the file{(report.Kubernetes ? ", /registry/ present" : string.Empty)}");
        }

        if (report.Error is not null)
        {
            output.WriteLine($"  failed at {report.FailedStage}: {report.Error}");
        }

        if (report.Note is not null)
        {
            output.WriteLine($"  note: {report.Note}");
        }
    }
}

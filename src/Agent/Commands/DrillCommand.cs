using System.CommandLine;
using System.Globalization;
using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Configuration;
using EtcdAgent.Continuous;
using EtcdAgent.Drill;
using EtcdAgent.Failures;
using EtcdAgent.Manifests;
using EtcdAgent.Output;
using EtcdAgent.Storage;

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
        var pointInTime = new PointInTimeFlags();
        var command = new Command("drill", "Restore a backup (or the cluster at a point of its chain) into a throwaway etcd on loopback and check it (the real member is never touched)")
        {
            id, etcdBinary, restoreBinary,
        };
        foreach (var option in pointInTime.All)
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, ct) => StoreCommand.RunAsync(parse, context, flags, async (options, store) =>
        {
            var target = pointInTime.Target(parse);
            options = options with
            {
                Drill = options.Drill with
                {
                    EtcdBinary = parse.GetValue(etcdBinary) ?? options.Drill.EtcdBinary,
                    RestoreBinary = parse.GetValue(restoreBinary) ?? options.Drill.RestoreBinary,
                },
            };
            var keyring = AgentFlags.Keyring(parse, flags, options);
            var source = target is null
                ? DrillSource.Of(store, await BackupCatalog.FindAsync(store, options.Cluster, parse.GetValue(id)!, ct).ConfigureAwait(false), keyring, options.Backup.MaxSnapshotSize)
                : await PointInTimeSource(context, options, store, keyring, parse.GetValue(id)!, target, ct).ConfigureAwait(false);
            var runner = new DrillRunner(options.Drill, options.Schedule.StateDir, options.Backup.MaxSnapshotSize, context.Time, context.Loggers, context.Environment);
            var report = await runner.RunAsync(source, ct).ConfigureAwait(false);
            if (parse.GetValue(writeOut) == OutputFormat.Json)
            {
                context.Out.WriteLine(System.Text.Json.JsonSerializer.Serialize(report, DrillJsonContext.Default.DrillReport));
            }
            else
            {
                Write(context.Out, report);
            }

            return report.Passed ? ExitCodes.Success : report.FailedStage is "verify" or "check" or "bundle" ? ExitCodes.Corrupt : ExitCodes.Failure;
        }));
        return command;
    }

    /// <summary>
    /// The point resolved now (a point outside every window is a usage error before any drill stage), built in the
    /// drill's fetch stage into its work dir, so the drill's timeout and report cover the build.
    /// </summary>
    private static async Task<DrillSource> PointInTimeSource(CliContext context, AgentOptions options, IObjectStore store, Keyring keyring,
        string idOrLatest, PointInTimeTarget target, CancellationToken cancellationToken)
    {
        var point = await PointInTimeSnapshot.ResolveAsync(context, options, store, keyring, idOrLatest, target, cancellationToken).ConfigureAwait(false);
        return new DrillSource(point.Base.Id, point.Revision, point.Base.Raw.Size, LiveKeys: null, point.Base.EtcdVersion,
            (path, ct) => PointInTimeSnapshot.BuildAsync(context, options, store, keyring, point, path, Path.GetDirectoryName(path)!, overwrite: true, context.Error, ct))
        {
            PointInTime = PointInTimeSnapshot.Describe(point),
        };
    }

    private static void Write(TextWriter output, DrillReport report)
    {
        output.WriteLine($"Drill of {report.BackupId}{(report.PointInTime is { } point ? $" at {point}" : string.Empty)}: " +
            $"{report.Result.ToUpperInvariant()} ({report.Mode}, {report.DurationSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s)");
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

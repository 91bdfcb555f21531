using System.CommandLine;
using EtcdAgent.Failures;
using EtcdAgent.Output;
using EtcdAgent.Verification;

namespace EtcdAgent.Commands;

/// <summary>
/// <c>etcd-agent snapshot verify FILE</c>: sha256 trailer, bbolt structure and etcd content; a verdict and the
/// status. Exit 0 valid, 6 corrupt, 7 cannot read.
/// </summary>
internal static class SnapshotVerifyCommand
{
    public static Command Create(CliContext context, Option<string> writeOut)
    {
        var file = new Argument<string>("FILE") { Description = "The snapshot to check" };
        var noTrailer = new Option<bool>("--no-trailer") { Description = "The file has no sha256 trailer (a raw member/snap/db)" };
        var command = new Command("verify", "Prove a snapshot whole: sha256 trailer, bbolt structure, etcd content") { file, noTrailer };
        command.SetAction((parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            return SnapshotFileCommand.RunAsync(context, path, async () =>
            {
                var report = await SnapshotVerifier.VerifyAsync(path, !parse.GetValue(noTrailer), ct).ConfigureAwait(false);
                Print(context, report, parse.GetValue(writeOut)!);
                return report.Valid ? ExitCodes.Success : ExitCodes.Corrupt;
            });
        });
        return command;
    }

    private static void Print(CliContext context, VerificationReport report, string format)
    {
        if (format == OutputFormat.Json)
        {
            AgentJsonContext.Write(context.Out, new SnapshotVerifyJson(report.Path, report.Valid, report.Fault,
                report.TrailerChecked ? "verified" : "skipped", report.Sha256,
                report.Status is null ? null : SnapshotFileCommand.ToJson(report.Status), report.PagesInUse,
                report.FreePages, report.FreelistPersisted, report.MetaWarning), AgentJsonContext.Default.SnapshotVerifyJson);
            return;
        }

        if (!report.Valid)
        {
            context.Out.WriteLine($"CORRUPT: {report.Path}: {report.Fault}");
            context.Out.WriteLine("Do not restore from this file; use another backup.");
            return;
        }

        context.Out.WriteLine($"OK: {report.Path} is a whole etcd snapshot");
        context.Out.WriteLine(report.TrailerChecked
            ? $"  sha256 trailer: verified ({report.Sha256})"
            : "  sha256 trailer: not checked (--no-trailer)");
        context.Out.WriteLine($"  structure: {report.PagesInUse} pages in use, {report.FreePages} free, page size {report.PageSize}"
                              + (report.FreelistPersisted ? string.Empty : " (freelist not persisted: lost pages not checked)"));
        context.Out.WriteLine($"  content: every revision decodes; live keys {report.Status!.LiveKeys}, consistent index {report.Status.ConsistentIndex}");
        if (report.MetaWarning is not null)
        {
            context.Out.WriteLine($"  warning: {report.MetaWarning} (the other meta page is in use)");
        }

        SnapshotFileCommand.WriteTable(context.Out, report.Status);
    }
}

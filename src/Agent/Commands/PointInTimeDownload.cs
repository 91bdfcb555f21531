using System.Globalization;
using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Configuration;
using EtcdAgent.Continuous;
using EtcdAgent.Failures;
using EtcdAgent.Storage;

namespace EtcdAgent.Commands;

/// <summary>
/// <c>backup download ID|latest FILE --at-revision R | --at-time T</c>: the cluster as it was at revision R (or at
/// time T), as a plain verified snapshot. "latest" means the newest backup whose chain's window holds the point. The
/// replay runs in a throwaway etcd in drill.workDir, or beside FILE when none is set.
/// </summary>
internal static class PointInTimeDownload
{
    public static async Task<int> RunAsync(CliContext context, AgentOptions options, IObjectStore store, Keyring keyring, string idOrLatest,
        PointInTimeTarget target, string path, bool overwrite, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var source = await PointInTimeSnapshot.ResolveAsync(context, options, store, keyring, idOrLatest, target, cancellationToken).ConfigureAwait(false);
        var report = await PointInTimeSnapshot.BuildAsync(context, options, store, keyring, source, path,
            options.Drill.WorkDir ?? Path.GetDirectoryName(path)!, overwrite, context.Out, cancellationToken).ConfigureAwait(false);
        context.Out.WriteLine($"Snapshot at revision {report.Status!.Revision.ToString(CultureInfo.InvariantCulture)} written to {path}");
        context.Out.WriteLine($"  {report.Status.LiveKeys?.ToString(CultureInfo.InvariantCulture) ?? "?"} live keys; every replayed revision matched the original's revision, create revisions and versions");
        context.Out.WriteLine("  verified: etcd's sha256 trailer, bbolt structure; lease TTLs are the replay's, not the original's");
        return ExitCodes.Success;
    }
}

using System.Globalization;
using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Configuration;
using EtcdAgent.Continuous;
using EtcdAgent.Storage;
using EtcdAgent.Verification;

namespace EtcdAgent.Commands;

/// <summary>
/// The one way the verbs get a point-in-time snapshot (`backup download`, `restore` and `drill` with --at-revision
/// or --at-time): the point resolved to a backup's chain and a revision (<see cref="PointInTimeResolver"/>), saying
/// what a time resolved to, then built by <see cref="PointInTimeBuilder"/> in a throwaway etcd (drill.etcdBinary
/// or etcd on PATH) with its scratch data under <c>workDir</c>.
/// </summary>
internal static class PointInTimeSnapshot
{
    public static Task<PointInTimeSource> ResolveAsync(CliContext context, AgentOptions options, IObjectStore store, Keyring keyring,
        string idOrLatest, PointInTimeTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        return PointInTimeResolver.ResolveAsync(store, options.Cluster, idOrLatest, target, keyring,
            warning => context.Error.WriteLine($"warning: {warning}"), cancellationToken);
    }

    /// <summary>Builds <paramref name="source"/> into <paramref name="path"/>, saying what it does on <paramref name="progress"/> (stderr where stdout is JSON).</summary>
    public static async Task<VerificationReport> BuildAsync(CliContext context, AgentOptions options, IObjectStore store, Keyring keyring,
        PointInTimeSource source, string path, string workDir, bool overwrite, TextWriter progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(progress);
        if (source.AskedTime is { } asked)
        {
            progress.WriteLine($"{PointInTimeTarget.FormatTime(asked)} resolves to revision {source.Revision.ToString(CultureInfo.InvariantCulture)}, " +
                $"the last one received at or before it (at {PointInTimeTarget.FormatTime(source.ReceivedAt!.Value)})");
        }

        progress.WriteLine($"Building revision {source.Revision.ToString(CultureInfo.InvariantCulture)} from backup {source.Base.Id} " +
            $"and {source.SegmentCount.ToString(CultureInfo.InvariantCulture)} segments...");
        var builder = new PointInTimeBuilder(store, keyring, options.Backup.MaxSnapshotSize, context.Time, context.Loggers)
        {
            EtcdBinary = options.Drill.EtcdBinary,
            RestoreBinary = options.Drill.RestoreBinary,
            WorkDir = workDir,
            Environment = context.Environment,
        };
        return await builder.BuildAsync(source.Base, source.Chain, source.Revision, path, overwrite, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>"revision 1234 of backup X's chain (received at ...; asked for ...)", for plans and reports.</summary>
    public static string Describe(PointInTimeSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var received = source.ReceivedAt is { } at ? $"received at {PointInTimeTarget.FormatTime(at)}" : null;
        var asked = source.AskedTime is { } t ? $"--at-time {PointInTimeTarget.FormatTime(t)}" : null;
        var detail = string.Join("; ", new[] { received, asked }.OfType<string>());
        return $"revision {source.Revision.ToString(CultureInfo.InvariantCulture)} of backup {source.Base.Id}'s chain" + (detail.Length > 0 ? $" ({detail})" : string.Empty);
    }
}

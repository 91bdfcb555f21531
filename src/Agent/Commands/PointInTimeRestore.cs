using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Configuration;
using EtcdAgent.Continuous;
using EtcdAgent.Output;
using EtcdAgent.Restore;
using EtcdAgent.Storage;

namespace EtcdAgent.Commands;

/// <summary>
/// `restore --at-revision R | --at-time T`: the <see cref="RestoreSession.BuildSnapshot"/> the verb hands the
/// restore. It builds the point-in-time snapshot (<see cref="PointInTimeSnapshot"/>) into the restore's work dir;
/// from there the restore goes exactly as one of a snapshot file does (same plan, checks, journal and rollback).
/// </summary>
internal static class PointInTimeRestore
{
    /// <summary>The base, the throwaway member's data and the snapshot it yields lie in the work dir at once.</summary>
    private const int SpaceFactor = 3;

    public static Func<string, string, CancellationToken, Task<FetchedSnapshot>> Builder(CliContext context, Resolved<AgentOptions> resolved,
        IReadOnlyList<string> keyFiles, PointInTimeTarget target) => async (idOrLatest, workDir, cancellationToken) =>
    {
        var options = resolved.Value;
        using var store = StoreFactory.Create(options.Store, context.Loggers, context.Time);
        var keyring = KeyringService.Load(options.Backup, keyFiles).Keyring;
        var source = await PointInTimeSnapshot.ResolveAsync(context, options, store, keyring, idOrLatest, target, cancellationToken).ConfigureAwait(false);
        var free = new DriveInfo(workDir).AvailableFreeSpace;
        if (free < SpaceFactor * source.Base.Raw.Size)
        {
            throw new ConfigurationException(
                $"{workDir} has {ByteSize.Format(free)} free; building a point in time needs {ByteSize.Format(SpaceFactor * source.Base.Raw.Size)} (3x the backup): free space or pass --state-dir");
        }

        var path = Path.Combine(workDir, "snapshot.db");
        var report = await PointInTimeSnapshot.BuildAsync(context, options, store, keyring, source, path, workDir, overwrite: true, context.Out, cancellationToken).ConfigureAwait(false);
        return new FetchedSnapshot(path, report.Sha256!, new FileInfo(path).Length, report.Status!.Revision, report.Status.LiveKeys,
            source.Base.EtcdVersion, source.Base.Id, source.Base.CreatedAt, source.Base.Members, InWorkDir: true, PointInTimeSnapshot.Describe(source));
    };
}

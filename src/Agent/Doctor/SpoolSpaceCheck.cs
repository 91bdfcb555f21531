using EtcdAgent.Output;

namespace EtcdAgent.Doctor;

/// <summary>
/// The spool (where a snapshot is written and verified before it goes to the store) has room for two snapshots:
/// the one being taken and one still waiting for an unreachable store. A snapshot is as large as etcd's db file.
/// </summary>
internal sealed class SpoolSpaceCheck : IDoctorCheck
{
    /// <summary>Snapshots the spool must hold at once.</summary>
    internal const int Factor = 2;

    public string Name => "spool disk space";

    public Task<CheckResult> RunAsync(DoctorContext context, CancellationToken cancellationToken)
    {
        if (context.Options is not { } options)
        {
            return Task.FromResult(CheckResult.Skipped("needs a valid configuration"));
        }

        if (context.LocalStatus is not { } status)
        {
            return Task.FromResult(CheckResult.Skipped("needs etcd's db size (etcd is not reachable)"));
        }

        var spool = options.Backup.SpoolDir;
        var existing = DiskSpace.NearestExisting(spool);
        var free = context.FreeSpace(existing);
        var needed = Factor * status.DbSize;
        var where = existing == Path.GetFullPath(spool) ? spool : $"{spool} (not created yet; {existing})";
        var detail = $"{where}: {ByteSize.Format(free)} free, {Factor} x the {ByteSize.Format(status.DbSize)} db = {ByteSize.Format(needed)} needed";
        return Task.FromResult(free >= needed
            ? CheckResult.Passed(detail)
            : CheckResult.Failed(detail,
                $"free at least {ByteSize.Format(needed - free)} on the filesystem holding {existing}, or set backup.spoolDir to a " +
                "filesystem with room (not the one etcd's data lives on, if you can)"));
    }
}

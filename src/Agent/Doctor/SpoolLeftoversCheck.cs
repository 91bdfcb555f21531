using EtcdAgent.Output;
using EtcdAgent.Snapshots;

namespace EtcdAgent.Doctor;

/// <summary>
/// Files in the spool that no running backup holds: half-written or never-verified snapshots a crash left (they
/// only eat the space the next snapshot needs), and verified snapshots waiting for the store (a past outage the
/// operator should know about). The daemon deletes the first and uploads the second; doctor only reports.
/// </summary>
internal sealed class SpoolLeftoversCheck : IDoctorCheck
{
    public string Name => "spool leftovers";

    public Task<CheckResult> RunAsync(DoctorContext context, CancellationToken cancellationToken)
    {
        if (context.Options is not { } options)
        {
            return Task.FromResult(CheckResult.Skipped("needs a valid configuration"));
        }

        var spool = options.Backup.SpoolDir;
        var entries = SpoolLeftovers.Scan(spool);
        var incomplete = entries.Where(e => e.Kind == SpoolEntryKind.Incomplete).ToList();
        var pending = entries.Where(e => e.Kind == SpoolEntryKind.Pending).ToList();
        var inUse = entries.Count - incomplete.Count - pending.Count;
        if (incomplete.Count == 0 && pending.Count == 0)
        {
            return Task.FromResult(CheckResult.Passed(inUse == 0
                ? $"{spool}: nothing left over"
                : $"{spool}: nothing left over ({inUse} file(s) in use by a running backup)"));
        }

        var details = new List<string>();
        var fixes = new List<string>();
        if (incomplete.Count > 0)
        {
            details.Add($"{incomplete.Count} file(s) left by an interrupted run ({ByteSize.Format(incomplete.Sum(e => e.Bytes))}): " +
                        string.Join("; ", incomplete.Select(e => $"{Path.GetFileName(e.Path)}: {e.Reason}")));
            fixes.Add("the daemon deletes them when it starts (systemctl restart etcd-agent), or delete them now: rm -f " +
                      string.Join(' ', incomplete.SelectMany(e => e.Files)));
        }

        if (pending.Count > 0)
        {
            details.Add($"{pending.Count} verified snapshot(s) waiting for the store: " +
                        string.Join("; ", pending.Select(e => $"{Path.GetFileName(e.Path)}: {e.Reason}")));
            fixes.Add("the next backup uploads them first once the store is reachable; `etcd-agent run --once` does it now");
        }

        return Task.FromResult(CheckResult.Warning($"{spool}: {string.Join(". ", details)}", string.Join("; ", fixes)));
    }
}

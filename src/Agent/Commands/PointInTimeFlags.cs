using System.CommandLine;
using EtcdAgent.Continuous;

namespace EtcdAgent.Commands;

/// <summary>--at-revision and --at-time, the same on `backup download`, `restore` and `drill`.</summary>
internal sealed class PointInTimeFlags
{
    public Option<long?> AtRevision { get; } = new("--at-revision")
    {
        Description = "The cluster as it was at this revision: the backup's chain of continuous segments replayed onto it in a throwaway etcd",
    };

    public Option<string?> AtTime { get; } = new("--at-time")
    {
        Description = "The cluster as it was at this time (RFC 3339, e.g. 2026-12-01T21:30:00Z): the last revision the agent received at or before it",
    };

    public IEnumerable<Option> All => [AtRevision, AtTime];

    /// <summary>The point asked for, or null for none; both flags or a malformed time are usage errors.</summary>
    public PointInTimeTarget? Target(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return PointInTimeTarget.FromFlags(parse.GetValue(AtRevision), parse.GetValue(AtTime));
    }
}

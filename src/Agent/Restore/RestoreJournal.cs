using System.Text.Json;
using System.Text.Json.Serialization;
using EtcdAgent.Restore.Topology;

namespace EtcdAgent.Restore;

/// <summary>
/// The written memory of one restore: every decision made at plan time (token, initial cluster, member, snapshot,
/// expectations) and each step's state. A step is marked started — and the file made durable — before it is taken,
/// so after a crash `--resume` repeats the interrupted step (every step is idempotent) and `--rollback` knows
/// exactly what to undo.
/// </summary>
internal sealed record RestoreJournal
{
    public required string Id { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required string State { get; set; }

    public required string Token { get; init; }

    public required string InitialCluster { get; init; }

    public required string SnapshotPath { get; init; }

    public string? BackupId { get; init; }

    public required string SnapshotSha256 { get; init; }

    public required long SnapshotRevision { get; init; }

    public long? ExpectedLiveKeys { get; init; }

    /// <summary>The revision bump actually applied (0 when none or unsupported).</summary>
    public required long Bump { get; init; }

    public required string RestoreBinary { get; init; }

    public required string RestoreBinaryKind { get; init; }

    /// <summary>Settable: stop and start commands given to --resume/--rollback replace the recorded ones (they may be stale).</summary>
    public required TopologySpec Topology { get; set; }

    public required MemberConfig Member { get; init; }

    public required bool ForceStart { get; init; }

    /// <summary>The data dir held a member when the restore was planned (a new node's did not).</summary>
    public bool HadOldMember { get; init; } = true;

    /// <summary>restore --with-bundle: the control-plane files the bundle step puts back (null without the flag).</summary>
    public BundleJournal? Bundle { get; init; }

    /// <summary>When an operator ended this journal with --abandon (state abandoned), else null.</summary>
    public DateTimeOffset? AbandonedAt { get; set; }

    /// <summary>Rollback actions already taken (a rollback is journaled too, so it can be repeated safely).</summary>
    public List<string> Undone { get; init; } = [];

    public required List<JournalStep> Steps { get; init; }

    /// <summary>etcd starts an empty keyspace at revision 1, so a snapshot of one (status revision 0) comes back at 1.</summary>
    [JsonIgnore]
    public long ExpectedRevision => Math.Max(SnapshotRevision, 1) + Bump;

    public JournalStep Step(string name) => Steps.First(s => s.Name == name);

    public bool Started(string name) => Steps.Any(s => s.Name == name && s.Status != StepStatus.Pending);

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, RestoreJsonContext.Default.RestoreJournal);

    public static RestoreJournal Parse(byte[] json, string path)
    {
        try
        {
            return JsonSerializer.Deserialize(json, RestoreJsonContext.Default.RestoreJournal)
                   ?? throw new InvalidDataException($"{path} is empty");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path} is not a restore journal: {ex.Message}", ex);
        }
    }
}

internal sealed class JournalStep
{
    public required string Name { get; init; }

    public required string Title { get; init; }

    public string Status { get; set; } = StepStatus.Pending;

    public DateTimeOffset? At { get; set; }
}

internal static class StepStatus
{
    public const string Pending = "pending";
    public const string Started = "started";
    public const string Done = "done";
}

internal static class JournalState
{
    public const string InProgress = "in-progress";
    public const string Completed = "completed";
    public const string RollingBack = "rolling-back";
    public const string RolledBack = "rolled-back";

    /// <summary>Ended by hand (--abandon): kept as a record, never resumed or rolled back.</summary>
    public const string Abandoned = "abandoned";
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RestoreJournal))]
internal sealed partial class RestoreJsonContext : JsonSerializerContext;

using System.Text.Json.Serialization;

namespace EtcdAgent.Drill;

/// <summary>What a drill found: the mode it ran in, each stage's time and verdict, and the first failure.</summary>
internal sealed record DrillReport
{
    public required string BackupId { get; init; }

    /// <summary>For a drill of a point in time (drill --at-revision/--at-time): which point of the backup's chain was built.</summary>
    public string? PointInTime { get; init; }

    /// <summary>full (restored and served by a throwaway etcd) or verify-only (no etcd binary here).</summary>
    public required string Mode { get; init; }

    /// <summary>pass or fail.</summary>
    public required string Result { get; init; }

    public string? FailedStage { get; init; }

    public string? Error { get; init; }

    public required IReadOnlyList<DrillStage> Stages { get; init; }

    public long Revision { get; init; }

    public long? LiveKeys { get; init; }

    public int SampledKeys { get; init; }

    public bool Kubernetes { get; init; }

    public double DurationSeconds { get; init; }

    public string? Note { get; init; }

    [JsonIgnore]
    public bool Passed => Result == "pass";
}

internal sealed record DrillStage(string Name, double Seconds, bool Ok);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DrillReport))]
internal sealed partial class DrillJsonContext : JsonSerializerContext;

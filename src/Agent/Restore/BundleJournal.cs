namespace EtcdAgent.Restore;

/// <summary>
/// The journal's record of `restore --with-bundle`: which bundle, under which root, what the plan found, and — written
/// before each change is made — every path the bundle step set aside or wrote. A rollback acts on nothing else, and
/// derives every location from these host paths (<see cref="BundleTargets"/>), never from a path stored here.
/// </summary>
internal sealed record BundleJournal
{
    /// <summary>The backup whose bundle is restored (for a point in time: the chain's base).</summary>
    public required string BackupId { get; init; }

    /// <summary>The node the bundle was taken on.</summary>
    public required string Node { get; init; }

    /// <summary>The tree the host paths live under (bundle.root).</summary>
    public required string Root { get; init; }

    /// <summary>The plain tar's sha256: the copy in the work dir the step reads must have it.</summary>
    public required string RawSha256 { get; init; }

    /// <summary>Each listed path with the plan's verdict (the step judges again: the node may have changed).</summary>
    public required List<BundlePathVerdict> Planned { get; init; }

    /// <summary>What the step did, in order; each entry is saved before its change is made.</summary>
    public List<BundleAction> Actions { get; init; } = [];
}

internal sealed record BundlePathVerdict(string Path, string Type, string Verdict);

/// <summary>One change of the bundle step: a host path moved aside or written (a file, link or directory).</summary>
internal sealed class BundleAction
{
    public const string MovedAside = "moved-aside";
    public const string Written = "written";

    public required string Kind { get; init; }

    public required string Path { get; init; }

    /// <summary>A written file's sha256, mode and size: a rollback removes it only while it still is what the step wrote.</summary>
    public string? Sha256 { get; init; }

    public string? Mode { get; init; }

    public long? Size { get; init; }

    /// <summary>A written link's target: a rollback removes it only while it still points there.</summary>
    public string? LinkTarget { get; init; }

    /// <summary>Set (and saved) once a rollback has undone it, so a repeated rollback skips it.</summary>
    public bool Undone { get; set; }
}

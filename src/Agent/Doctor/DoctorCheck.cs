namespace EtcdAgent.Doctor;

/// <summary>One thing a first install gets wrong, checked and explained (`etcd-agent doctor`).</summary>
internal interface IDoctorCheck
{
    /// <summary>The line's label, e.g. "etcd reachable".</summary>
    string Name { get; }

    /// <summary>
    /// Runs the check. Facts later checks need (the loaded options, a working etcd client) are left in
    /// <paramref name="context"/>; a check whose prerequisite failed returns <see cref="CheckStatus.Skip"/>.
    /// </summary>
    Task<CheckResult> RunAsync(DoctorContext context, CancellationToken cancellationToken);
}

/// <summary>How a check came out. Only <see cref="Fail"/> makes doctor exit non-zero.</summary>
internal enum CheckStatus
{
    /// <summary>Fine.</summary>
    Pass,

    /// <summary>Works, but something needs the operator's attention.</summary>
    Warn,

    /// <summary>Backups or restores will not work until this is fixed.</summary>
    Fail,

    /// <summary>Not run because a check it depends on failed.</summary>
    Skip,
}

/// <summary>The outcome of a check: what was found, and for a warning or failure what to do about it.</summary>
internal sealed record CheckResult(CheckStatus Status, string Detail, string? Fix = null)
{
    public static CheckResult Passed(string detail) => new(CheckStatus.Pass, detail);

    public static CheckResult Warning(string detail, string fix) => new(CheckStatus.Warn, detail, fix);

    public static CheckResult Failed(string detail, string fix) => new(CheckStatus.Fail, detail, fix);

    public static CheckResult Skipped(string reason) => new(CheckStatus.Skip, reason);
}

/// <summary>A check's name with its result, in the order they ran.</summary>
internal sealed record CheckOutcome(string Name, CheckResult Result);

namespace EtcdAgent.Diagnostics;

/// <summary>
/// The step of a backup, prune or drill a failure happened in: the <c>stage</c> label of
/// <c>etcd_agent_failures_total</c>, the daemon's failure log line and the webhook's <c>stage</c>. The code that runs
/// the step sets it on the failure (<see cref="FailureStages"/>); nothing derives it from exception types or message
/// text. The labels are an interface operators alert on: add stages, never rename one.
/// </summary>
internal enum FailureStage
{
    /// <summary>No step claimed the failure (an unreadable key file, a bug).</summary>
    Other,

    /// <summary>etcd around the snapshot: the local member's status and alarms, the member list.</summary>
    Etcd,

    /// <summary>The cluster lock (taking it, losing its lease mid-run, recording the tick as served) or this node's backup lock.</summary>
    Lock,

    /// <summary>The snapshot stream from etcd: refused, broken or stalled.</summary>
    Snapshot,

    /// <summary>The snapshot's own checks: sha256 trailer, announced size, bbolt structure; a spooled snapshot that changed on disk.</summary>
    Verify,

    /// <summary>Compressing or encrypting the stored object.</summary>
    Encode,

    /// <summary>The store: probing it, listing it for a free id, writing and completing the payload.</summary>
    Upload,

    /// <summary>Writing manifest.json, the backup's commit marker.</summary>
    Manifest,

    /// <summary>Retention: reading the catalogue, deleting expired backups, orphans and stale uploads.</summary>
    Prune,

    /// <summary>A restore drill; the webhook adds the drill's own step (drill-fetch, drill-start, ...).</summary>
    Drill,

    /// <summary>The spool directory: creating it, writing the snapshot into it (a full disk), reading a kept snapshot's draft.</summary>
    Spool,
}

/// <summary>
/// Puts a <see cref="FailureStage"/> on a failure where it happens and reads it back where it is reported. The stage
/// travels on the exception itself (<see cref="Exception.Data"/>), so the exception keeps its type and every caller
/// that decides by type (exit codes, retries) sees exactly what it saw before. A failure keeps the first stage set on
/// it: an inner step's precise stage survives the enclosing step's broader one.
/// </summary>
internal static class FailureStages
{
    private const string DataKey = "EtcdAgent.FailureStage";

    /// <summary>The label value; spelled out (not derived from the member name) so a rename cannot change it.</summary>
    public static string Label(this FailureStage stage) => stage switch
    {
        FailureStage.Etcd => "etcd",
        FailureStage.Lock => "lock",
        FailureStage.Snapshot => "snapshot",
        FailureStage.Verify => "verify",
        FailureStage.Encode => "encode",
        FailureStage.Upload => "upload",
        FailureStage.Manifest => "manifest",
        FailureStage.Prune => "prune",
        FailureStage.Drill => "drill",
        FailureStage.Spool => "spool",
        _ => "other",
    };

    /// <summary>
    /// Sets <paramref name="stage"/> on <paramref name="exception"/> unless it carries one already, and returns it:
    /// <c>throw new X(...).At(FailureStage.Verify)</c>, or in a step's catch block before <c>throw;</c>.
    /// </summary>
    public static TException At<TException>(this TException exception, FailureStage stage)
        where TException : Exception
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception.Data[DataKey] is not FailureStage)
        {
            exception.Data[DataKey] = stage;
        }

        return exception;
    }

    /// <summary>
    /// The stage of a failure: its own, else that of the nearest exception it wraps that has one (a store that
    /// turned a stage's failure into its own exception), else <see cref="FailureStage.Other"/>.
    /// </summary>
    public static FailureStage Of(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current.Data[DataKey] is FailureStage stage)
            {
                return stage;
            }
        }

        return FailureStage.Other;
    }

    /// <summary>Runs one step: whatever escapes it carries <paramref name="stage"/> unless a step inside set one.</summary>
    public static void Run(FailureStage stage, Action step)
    {
        ArgumentNullException.ThrowIfNull(step);
        try
        {
            step();
        }
        catch (Exception ex)
        {
            ex.At(stage);
            throw;
        }
    }

    /// <inheritdoc cref="Run(FailureStage, Action)"/>
    public static async Task RunAsync(FailureStage stage, Func<Task> step)
    {
        ArgumentNullException.ThrowIfNull(step);
        try
        {
            await step().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            ex.At(stage);
            throw;
        }
    }

    /// <inheritdoc cref="Run(FailureStage, Action)"/>
    public static async Task<T> RunAsync<T>(FailureStage stage, Func<Task<T>> step)
    {
        ArgumentNullException.ThrowIfNull(step);
        try
        {
            return await step().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            ex.At(stage);
            throw;
        }
    }
}

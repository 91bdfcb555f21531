namespace EtcdAgent.Restore;

/// <summary>How a restore run ended without a failure; the verb turns it into an exit code.</summary>
internal enum RestoreOutcome
{
    /// <summary>Done as asked: restored, resumed, rolled back, abandoned, or a dry run's plan printed.</summary>
    Done,

    /// <summary>The operator said no at a prompt: nothing was changed.</summary>
    Cancelled,
}

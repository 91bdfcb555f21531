namespace EtcdAgent.Restore;

/// <summary>A restore step that cannot go on; the message says why and what to do (resume or roll back).</summary>
internal sealed class RestoreStepException : Exception
{
    public RestoreStepException(string message)
        : base(message)
    {
    }

    public RestoreStepException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public RestoreStepException()
    {
    }
}

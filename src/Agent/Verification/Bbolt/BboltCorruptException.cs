namespace EtcdAgent.Verification.Bbolt;

/// <summary>A structural fault in a bbolt file; the message names the page and what is wrong with it.</summary>
internal sealed class BboltCorruptException : Exception
{
    public BboltCorruptException(string message)
        : base(message)
    {
    }

    public BboltCorruptException(long page, string message)
        : base($"page {page}: {message}")
    {
        Page = page;
    }

    public BboltCorruptException()
    {
    }

    public BboltCorruptException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The page at fault, or -1 when the fault is not in one page.</summary>
    public long Page { get; } = -1;
}

namespace EtcdAgent.Storage;

/// <summary>
/// Recognises local I/O failures worth their own message. Here because the local store, the spool and the CLI's
/// failure messages all need it, and they all may use Storage.
/// </summary>
internal static class LocalIo
{
    private const int Enospc = 28;
    private const int Edquot = 122;

    /// <summary>No space (or quota) left. On Unix .NET puts the errno into HResult.</summary>
    public static bool IsDiskFull(IOException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        return ex.HResult is Enospc or Edquot
               || ex.Message.Contains("No space left on device", StringComparison.Ordinal);
    }
}

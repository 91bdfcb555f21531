namespace EtcdAgent.Diagnostics;

/// <summary>
/// Whether stderr is systemd's journal stream: JOURNAL_STREAM names the socket ("DEV:INODE") systemd connected a
/// unit's output to, and it must be the one fd 2 still is (systemd.exec(5)) — a shell or a child started from the
/// unit inherits the variable with other output. Then lines may carry "&lt;N&gt;" syslog priority prefixes.
/// </summary>
internal static class JournalStream
{
    public static bool IsStderr(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (environment("JOURNAL_STREAM") is not { } stream || stream.Split(':') is not [_, var inode])
        {
            return false;
        }

        try
        {
            return new FileInfo("/proc/self/fd/2").LinkTarget == $"socket:[{inode}]";
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}

namespace EtcdAgent.Configuration;

/// <summary>
/// Reads key and credential files, refusing ones other users can read: etcd snapshots hold every Kubernetes
/// Secret, and the keys and passwords that guard them must be as private as the snapshots.
/// </summary>
internal static class SecretFiles
{
    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Throws when <paramref name="path"/> is missing or readable/writable by group or others.</summary>
    public static void EnsurePrivate(string path, string what)
    {
        if (FileChecks.NotAFile(path) is { } problem)
        {
            throw new ConfigurationException($"{what} {path} {problem}");
        }

        var mode = File.GetUnixFileMode(path);
        if ((mode & GroupOrOther) != 0)
        {
            throw new ConfigurationException(
                $"{what} {path} is accessible by group or others (mode {ToOctal(mode)}); run: chmod 600 {Output.ShellQuote.Quote(path)}");
        }
    }

    /// <summary>Reads a password file (first line, without the line break) after the permission check.</summary>
    public static string ReadPassword(string path)
    {
        EnsurePrivate(path, "password file");
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"cannot read password file {path}: {ex.Message}", ex);
        }

        var firstLine = text.Split('\n')[0].TrimEnd('\r');
        return firstLine.Length == 0
            ? throw new ConfigurationException($"password file {path} is empty; write the password on its first line")
            : firstLine;
    }

    private static string ToOctal(UnixFileMode mode) => Convert.ToString((int)mode & 0x1FF, 8).PadLeft(4, '0');
}

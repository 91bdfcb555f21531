namespace EtcdAgent.Configuration;

/// <summary>
/// Why a path an operator gave as a file cannot be used as one. .NET reports a directory opened as a file as
/// "Access denied", which sends the operator after permissions: say what it really is.
/// </summary>
internal static class FileChecks
{
    /// <summary>"does not exist", "is a directory; give the file itself", or null when it is a file.</summary>
    public static string? NotAFile(string path) =>
        Directory.Exists(path) ? "is a directory; give the file itself"
        : !File.Exists(path) ? "does not exist"
        : null;
}

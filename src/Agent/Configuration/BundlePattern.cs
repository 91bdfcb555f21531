namespace EtcdAgent.Configuration;

/// <summary>
/// An include pattern of the recovery bundle: an absolute file path, DIR/** (every file below DIR, at any depth) or
/// DIR/*.EXT and the like (a single * within the last name only). Kept this small on purpose: what a pattern can reach
/// is obvious from reading it, and its directory is the root nothing of it may leave.
/// </summary>
internal sealed record BundlePattern(string Directory, string? NameGlob, bool Recursive)
{
    /// <summary>Why <paramref name="pattern"/> is not one, or null.</summary>
    public static string? Problem(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (!pattern.StartsWith('/'))
        {
            return "must be an absolute path (/etc/kubernetes/pki/**)";
        }

        var parts = pattern.Split('/');
        if (parts.Skip(1).Any(p => p is "" or "." or ".."))
        {
            return "must not have an empty, \".\" or \"..\" part";
        }

        if (parts.Take(parts.Length - 1).Any(p => p.Contains('*', StringComparison.Ordinal)))
        {
            return "may have * only in its last part (DIR/** or DIR/*.yaml)";
        }

        var last = parts[^1];
        return last != "**" && last.Count(c => c == '*') > 1 ? "may have one * in a name, or be DIR/**" : null;
    }

    /// <summary>Parses a pattern <see cref="Problem"/> accepted.</summary>
    public static BundlePattern Parse(string pattern)
    {
        if (Problem(pattern) is { } problem)
        {
            throw new ArgumentException($"{pattern} {problem}", nameof(pattern));
        }

        var slash = pattern.LastIndexOf('/');
        var directory = slash == 0 ? "/" : pattern[..slash];
        var last = pattern[(slash + 1)..];
        return last == "**" ? new BundlePattern(directory, null, Recursive: true)
            : last.Contains('*', StringComparison.Ordinal) ? new BundlePattern(directory, last, Recursive: false)
            : new BundlePattern(directory, last, Recursive: false) { IsFile = true };
    }

    /// <summary>The pattern names one file (no wildcard).</summary>
    public bool IsFile { get; init; }

    /// <summary>Whether a file name in <see cref="Directory"/> matches (for DIR/** every name does).</summary>
    public bool Matches(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (Recursive || NameGlob is null)
        {
            return true;
        }

        var star = NameGlob.IndexOf('*', StringComparison.Ordinal);
        return star < 0
            ? name == NameGlob
            : name.Length >= NameGlob.Length - 1 && name.StartsWith(NameGlob[..star], StringComparison.Ordinal)
              && name.EndsWith(NameGlob[(star + 1)..], StringComparison.Ordinal);
    }
}

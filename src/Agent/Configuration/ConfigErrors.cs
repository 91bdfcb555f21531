namespace EtcdAgent.Configuration;

/// <summary>All problems found in one configuration, in file order.</summary>
internal sealed class ConfigErrors(string fileName)
{
    private readonly List<string> _lines = [];

    public string FileName { get; } = fileName;

    public int Count => _lines.Count;

    public IReadOnlyList<string> Lines => _lines;

    public void Add(string position, string path, string message) => _lines.Add($"{position}: {path} {message}");

    /// <summary>Throws one <see cref="ConfigurationException"/> listing every problem, if there are any.</summary>
    public void ThrowIfAny()
    {
        if (_lines.Count > 0)
        {
            throw new ConfigurationException(
                $"the configuration has {_lines.Count} problem{(_lines.Count == 1 ? string.Empty : "s")}:\n  " + string.Join("\n  ", _lines));
        }
    }
}

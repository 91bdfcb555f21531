using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace EtcdAgent.Configuration;

/// <summary>
/// One mapping of the YAML configuration, read by hand (YamlDotNet's representation model, no reflection: the
/// trimmed binary reads it the same as `dotnet test` does). Every value may be overridden by an environment variable
/// named after its path (<c>store.s3.bucket</c> → <c>ETCD_AGENT_STORE__S3__BUCKET</c>). Problems are collected in
/// <see cref="ConfigErrors"/> with the file position and path, so `config check` reports all of them at once;
/// keys that nothing read are reported too (a typo must not silently fall back to a default).
/// </summary>
internal sealed class ConfigSection
{
    private readonly YamlMappingNode? _node;
    private readonly ConfigErrors _errors;
    private readonly Func<string, string?> _environment;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);
    private readonly HashSet<string> _refused = new(StringComparer.Ordinal);

    public ConfigSection(string path, YamlMappingNode? node, ConfigErrors errors, Func<string, string?> environment)
    {
        Path = path;
        _node = node;
        _errors = errors;
        _environment = environment;
    }

    /// <summary>Dotted path of this mapping ("" for the root).</summary>
    public string Path { get; }

    /// <summary>Whether the file has this mapping at all.</summary>
    public bool Present => _node is not null;

    public ConfigErrors Errors => _errors;

    /// <summary>Full path of a key in this section.</summary>
    public string PathOf(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    /// <summary>The environment variable that overrides a key.</summary>
    public string EnvironmentNameOf(string key) =>
        "ETCD_AGENT_" + PathOf(key).Replace(".", "__", StringComparison.Ordinal).ToUpperInvariant();

    public ConfigSection Section(string key)
    {
        var node = Find(key);
        if (node is not null and not YamlMappingNode)
        {
            Error(key, node, "must be a mapping (key: value lines indented below it)");
            node = null;
        }

        return new ConfigSection(PathOf(key), node as YamlMappingNode, _errors, _environment);
    }

    public string? String(string key)
    {
        if (_environment(EnvironmentNameOf(key)) is { Length: > 0 } fromEnv)
        {
            _read.Add(key);
            return fromEnv;
        }

        var node = Find(key);
        switch (node)
        {
            case null:
                return null;
            case YamlScalarNode scalar:
                return string.IsNullOrEmpty(scalar.Value) ? null : scalar.Value;
            default:
                Error(key, node, "must be a single value");
                return null;
        }
    }

    public string Require(string key, string why)
    {
        var value = String(key);
        if (value is null)
        {
            _errors.Add(Position(null), PathOf(key), $"is required: {why} (or set {EnvironmentNameOf(key)})");
        }

        return value ?? string.Empty;
    }

    public IReadOnlyList<string> List(string key)
    {
        if (_environment(EnvironmentNameOf(key)) is { Length: > 0 } fromEnv)
        {
            _read.Add(key);
            return fromEnv.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }

        var node = Find(key);
        switch (node)
        {
            case null:
                return [];
            case YamlScalarNode scalar:
                return (scalar.Value ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            case YamlSequenceNode sequence:
                var items = new List<string>();
                foreach (var item in sequence)
                {
                    if (item is YamlScalarNode { Value: { Length: > 0 } value })
                    {
                        items.Add(value);
                    }
                    else
                    {
                        _errors.Add(Position(item), PathOf(key), "every item must be a single value");
                    }
                }

                return items;
            default:
                Error(key, node, "must be a list");
                return [];
        }
    }

    public int? Int(string key, int min, int max)
    {
        var text = String(key);
        if (text is null)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            Error(key, Find(key), $"{Output.Echo.Quoted(text)} must be a whole number from {min} to {max}");
            return null;
        }

        return value;
    }

    public double? Fraction(string key)
    {
        var text = String(key);
        if (text is null)
        {
            return null;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value is <= 0 or > 1)
        {
            Error(key, Find(key), $"{Output.Echo.Quoted(text)} must be a fraction above 0 and at most 1 (e.g. 0.5)");
            return null;
        }

        return value;
    }

    public bool? Bool(string key)
    {
        var text = String(key);
        switch (text?.ToLowerInvariant())
        {
            case null:
                return null;
            case "true" or "yes" or "on":
                return true;
            case "false" or "no" or "off":
                return false;
            default:
                Error(key, Find(key), $"{Output.Echo.Quoted(text)} must be true or false");
                return null;
        }
    }

    /// <summary>A duration in Go/etcdctl form ("30s", "1h30m"), within [min, max].</summary>
    public TimeSpan? Duration(string key, TimeSpan min, TimeSpan max)
    {
        var text = String(key);
        if (text is null)
        {
            return null;
        }

        if (!GoDuration.TryParse(text, out var value) || value < min || value > max)
        {
            Error(key, Find(key), $"{Output.Echo.Quoted(text)} must be a duration like 30s, 5m or 2h, from {GoDuration.Format(min)} to {GoDuration.Format(max)}");
            return null;
        }

        return value;
    }

    /// <summary>A size ("16MiB", "512KiB", "1GiB", "1048576"), within [min, max].</summary>
    public long? Bytes(string key, long min, long max)
    {
        var text = String(key);
        if (text is null)
        {
            return null;
        }

        if (!ByteSizes.TryParse(text, out var value) || value < min || value > max)
        {
            Error(key, Find(key), $"{Output.Echo.Quoted(text)} must be a size like 16MiB or 1GiB, from {ByteSizes.Format(min)} to {ByteSizes.Format(max)}");
            return null;
        }

        return value;
    }

    /// <summary>One of <paramref name="allowed"/> (case-insensitive); returns the allowed spelling.</summary>
    public string? OneOf(string key, params string[] allowed)
    {
        var text = String(key);
        if (text is null)
        {
            return null;
        }

        var match = allowed.FirstOrDefault(a => string.Equals(a, text, StringComparison.OrdinalIgnoreCase));
        if (match is null)
        {
            Error(key, Find(key), $"{Output.Echo.Quoted(text)} must be one of: {string.Join(", ", allowed)}");
        }

        return match;
    }

    /// <summary>Reports a problem with a key's value (at the key's position in the file).</summary>
    public void Invalid(string key, string message) => Error(key, Find(key), message);

    /// <summary>Reports keys of this mapping that were never read: typos and options from another version.</summary>
    public void RejectUnknown(params string[] known)
    {
        if (_node is null)
        {
            return;
        }

        // Keys handled by Refuse were read (so not reported twice) but are no settings: never suggested or listed.
        var candidates = known.Concat(_read).Except(_refused, StringComparer.Ordinal)
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        foreach (var (keyNode, _) in _node.Children)
        {
            var name = (keyNode as YamlScalarNode)?.Value ?? "?";
            if (!candidates.Contains(name, StringComparer.Ordinal) && !_refused.Contains(name))
            {
                var suggestion = KeySuggestion.Closest(name, candidates);
                _errors.Add(Position(keyNode), PathOf(Output.Echo.Bounded(name)),
                    $"is not a known setting{(suggestion is null ? string.Empty : $" (did you mean {PathOf(suggestion)}?)")}; known here: {string.Join(", ", candidates)}");
            }
        }
    }

    /// <summary>
    /// Reports <paramref name="key"/>, when the file has it, as a key this version reads nowhere, with
    /// <paramref name="message"/> saying where its settings go instead: accepting and ignoring it would let an
    /// operator believe it works.
    /// </summary>
    public void Refuse(string key, string message)
    {
        _refused.Add(key);
        if (_node is null)
        {
            return;
        }

        foreach (var (keyNode, _) in _node.Children)
        {
            if (keyNode is YamlScalarNode { Value: var name } && string.Equals(name, key, StringComparison.Ordinal))
            {
                _errors.Add(Position(keyNode), PathOf(key), message);
            }
        }
    }

    private YamlNode? Find(string key)
    {
        _read.Add(key);
        if (_node is null)
        {
            return null;
        }

        foreach (var (keyNode, value) in _node.Children)
        {
            if (keyNode is YamlScalarNode { Value: var name } && string.Equals(name, key, StringComparison.Ordinal))
            {
                return value is YamlScalarNode { Value: null or "" or "~" or "null" } ? null : value;
            }
        }

        return null;
    }

    private void Error(string key, YamlNode? node, string message)
    {
        var fromEnv = _environment(EnvironmentNameOf(key)) is { Length: > 0 };
        _errors.Add(fromEnv ? $"${EnvironmentNameOf(key)}" : Position(node), PathOf(key), message);
    }

    private string Position(YamlNode? node) =>
        node is null ? _errors.FileName : $"{_errors.FileName}:{node.Start.Line}:{node.Start.Column}";
}

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

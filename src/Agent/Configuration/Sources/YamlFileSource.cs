using Microsoft.Extensions.Configuration;
using YamlDotNet.RepresentationModel;

namespace EtcdAgent.Configuration.Sources;

/// <summary>
/// config.yaml as a Microsoft.Extensions.Configuration source. While flattening the file into configuration keys
/// ("store:s3:bucket") it checks it against <see cref="ConfigSchema"/>: a key nothing reads is reported with its
/// path and the closest known spelling (a typo must not silently fall back to a default), a mapping where a value
/// belongs and the like are reported at their line, and neither reaches the binder. It remembers where each value
/// stood, so a validator's complaint names the line.
/// </summary>
internal sealed class YamlFileSource(string path, ConfigErrors errors, Func<string, bool> overridden) : IConfigurationSource
{
    /// <summary>Where each key's value stands ("config.yaml:3:12"), by configuration path, case-insensitive.</summary>
    public Dictionary<string, string> Positions { get; } = new(StringComparer.OrdinalIgnoreCase);

    private string FilePath => path;

    private ConfigErrors Errors => errors;

    private bool Overridden(string key) => overridden(key);

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new Provider(this);

    private sealed class Provider(YamlFileSource source) : ConfigurationProvider
    {
        public override void Load()
        {
            var root = YamlFile.Parse(source.FilePath, source.Errors);
            if (root is not null)
            {
                Walk(root, ConfigSchema.Root, string.Empty);
            }
        }

        private void Walk(YamlMappingNode mapping, Setting section, string path)
        {
            var known = section.Children.Select(c => c.Name).Order(StringComparer.Ordinal).ToList();
            foreach (var (keyNode, value) in mapping.Children)
            {
                var name = (keyNode as YamlScalarNode)?.Value ?? "?";
                var childPath = path.Length == 0 ? name : $"{path}:{name}";
                var setting = section.Child(name);
                if (setting is null)
                {
                    if (path.Length == 0 && ConfigSchema.Refused.TryGetValue(name, out var reason))
                    {
                        Error(keyNode, childPath, reason);
                        continue;
                    }

                    var suggestion = KeySuggestion.Closest(name, known);
                    var prefix = path.Length == 0 ? string.Empty : ConfigSchema.Dotted(path) + ".";
                    source.Errors.Add(Position(keyNode), prefix + Output.Echo.Bounded(name),
                        $"is not a known setting{(suggestion is null ? string.Empty : $" (did you mean {prefix}{suggestion}?)")}; known here: {string.Join(", ", known)}");
                    continue;
                }

                if (value is YamlScalarNode { Value: null or "" or "~" or "null" })
                {
                    continue; // "key:" with nothing after it is unset, as if absent
                }

                source.Positions[childPath] = Position(value);
                if (source.Overridden(childPath))
                {
                    continue; // the environment's value replaces this one whole (lists too, not item by item)
                }

                Read(value, setting, childPath);
            }
        }

        private void Read(YamlNode value, Setting setting, string path)
        {
            switch (setting.Kind, value)
            {
                case (SettingKind.Section, YamlMappingNode mapping):
                    Walk(mapping, setting, path);
                    break;
                case (SettingKind.Section, _):
                    Error(value, path, "must be a mapping (key: value lines indented below it)");
                    break;
                case (SettingKind.Value, YamlScalarNode scalar):
                    Data[path] = scalar.Value;
                    break;
                case (SettingKind.Value, _):
                    Error(value, path, "must be a single value");
                    break;
                case (SettingKind.List, YamlScalarNode scalar):
                    SetList(path, SplitList(scalar.Value));
                    break;
                case (SettingKind.List, YamlSequenceNode sequence):
                    var items = new List<string>();
                    foreach (var item in sequence)
                    {
                        if (item is YamlScalarNode { Value: { Length: > 0 } text })
                        {
                            items.Add(text);
                        }
                        else
                        {
                            Error(item, path, "every item must be a single value");
                        }
                    }

                    SetList(path, items);
                    break;
                default:
                    Error(value, path, "must be a list");
                    break;
            }
        }

        private void SetList(string path, IReadOnlyList<string> items)
        {
            for (var i = 0; i < items.Count; i++)
            {
                Data[$"{path}:{i}"] = items[i];
            }
        }

        private void Error(YamlNode node, string path, string message) =>
            source.Errors.Add(Position(node), ConfigSchema.Dotted(path), message);

        private string Position(YamlNode node) => $"{source.FilePath}:{node.Start.Line}:{node.Start.Column}";
    }

    /// <summary>A list written as one value: "a, b,c" → [a, b, c].</summary>
    public static IReadOnlyList<string> SplitList(string? text) =>
        (text ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

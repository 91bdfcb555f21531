using Microsoft.Extensions.Configuration;

namespace EtcdAgent.Configuration.Sources;

/// <summary>
/// ETCD_AGENT_* variables as a configuration source: one variable per key of <see cref="ConfigSchema"/>, named after
/// its path (store.s3.bucket → ETCD_AGENT_STORE__S3__BUCKET), a list as one comma-separated value. Only the schema's
/// names are read, so ETCD_AGENT_CONFIG, ETCD_AGENT_NODE_NAME and the like are not mistaken for settings. An empty
/// variable is unset. Read once, when built, so the file source can leave out what is overridden.
/// </summary>
internal sealed class EnvironmentSource : IConfigurationSource
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _names = new(StringComparer.OrdinalIgnoreCase);

    public EnvironmentSource(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        foreach (var (path, setting) in ConfigSchema.Leaves(ConfigSchema.Root))
        {
            var name = ConfigSchema.EnvironmentName(path);
            if (environment(name) is not { Length: > 0 } value)
            {
                continue;
            }

            _names[path] = name;
            if (setting.Kind == SettingKind.List)
            {
                var items = YamlFileSource.SplitList(value);
                for (var i = 0; i < items.Count; i++)
                {
                    _values[$"{path}:{i}"] = items[i];
                }
            }
            else
            {
                _values[path] = value;
            }
        }
    }

    /// <summary>The variable that set <paramref name="path"/>, or null when none did.</summary>
    public string? VariableOf(string path) => _names.GetValueOrDefault(path);

    public bool Overrides(string path) => _names.ContainsKey(path);

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new Provider(_values);

    private sealed class Provider(Dictionary<string, string?> values) : ConfigurationProvider
    {
        public override void Load() => Data = new Dictionary<string, string?>(values, StringComparer.OrdinalIgnoreCase);
    }
}

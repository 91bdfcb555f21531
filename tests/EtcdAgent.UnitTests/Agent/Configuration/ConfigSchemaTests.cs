using System.Reflection;
using EtcdAgent.Configuration;
using EtcdAgent.Configuration.Settings;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Configuration;

public sealed class ConfigSchemaTests
{
    [Fact]
    public void TheSchemaAndTheBoundSettingsClassesNameTheSameKeysWithTheSameKinds()
    {
        // The file reader checks keys against ConfigSchema, the binder fills AgentSettings: a key added to one and not
        // the other would be refused as unknown, or accepted and never bound (silently ignored). Reflection is fine
        // here: this is the test, not the product.
        var mismatches = new List<string>();
        Compare(ConfigSchema.Root, typeof(AgentSettings), "(root)", mismatches);
        Assert.Empty(mismatches);
    }

    [Fact]
    public void EveryValueHasAnEnvironmentVariableNamedAfterItsPath()
    {
        var names = ConfigSchema.Leaves(ConfigSchema.Root).Select(l => ConfigSchema.EnvironmentName(l.Path)).ToList();

        Assert.Contains("ETCD_AGENT_STORE__S3__BUCKET", names);
        Assert.Contains("ETCD_AGENT_BACKUP__ENCRYPTION__OLDKEYFILES", names);
        Assert.Contains("ETCD_AGENT_CLUSTER", names);
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        Assert.DoesNotContain("ETCD_AGENT_CONFIG", names); // the CLI's own variable, not a setting
    }

    private static void Compare(Setting section, Type type, string path, List<string> mismatches)
    {
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.Children)
        {
            if (!properties.Remove(child.Name, out var property))
            {
                mismatches.Add($"{path}.{child.Name}: in the schema, not on {type.Name}");
                continue;
            }

            var expected = property.PropertyType == typeof(string) ? SettingKind.Value
                : property.PropertyType == typeof(List<string>) ? SettingKind.List
                : SettingKind.Section;
            if (expected != child.Kind)
            {
                mismatches.Add($"{path}.{child.Name}: {child.Kind} in the schema, {property.PropertyType.Name} on {type.Name}");
            }
            else if (expected == SettingKind.Section)
            {
                Compare(child, property.PropertyType, $"{path}.{child.Name}", mismatches);
            }
        }

        mismatches.AddRange(properties.Keys.Select(name => $"{path}.{name}: on {type.Name}, not in the schema"));
    }
}

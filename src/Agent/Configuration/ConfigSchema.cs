namespace EtcdAgent.Configuration;

/// <summary>What a key of config.yaml holds.</summary>
internal enum SettingKind
{
    /// <summary>One value (a YAML scalar).</summary>
    Value,

    /// <summary>A list of values: a YAML sequence, or one comma-separated value (the form an environment variable takes).</summary>
    List,

    /// <summary>A mapping of further settings.</summary>
    Section,
}

/// <summary>One key of config.yaml: its exact spelling, its kind and, for a section, the keys below it.</summary>
internal sealed record Setting(string Name, SettingKind Kind, IReadOnlyList<Setting> Children)
{
    /// <summary>The child spelled exactly <paramref name="name"/> (keys are case-sensitive in the file), or null.</summary>
    public Setting? Child(string name) => Children.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.Ordinal));
}

/// <summary>
/// Every key config.yaml may hold, stated once. The file reader checks the file against it (unknown keys with their
/// path and the closest spelling, a list where a value belongs, ...), the environment source derives the
/// ETCD_AGENT_* variable of every value from it, and a unit test holds it equal to the bound settings classes
/// (<see cref="Settings.AgentSettings"/>), so a setting cannot be added to one and forgotten in the other.
/// </summary>
internal static class ConfigSchema
{
    /// <summary>Top-level keys that this version refuses with a reason rather than as unknown (see ConfigLoader).</summary>
    public static readonly IReadOnlyDictionary<string, string> Refused = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["restore"] = ConfigLoader.RestoreIsFlags,
    };

    public static readonly Setting Root = Section(
        string.Empty,
        Value("cluster"),
        Value("node"),
        Section(
            "etcd",
            List("endpoints"),
            Value("cacert"),
            Value("cert"),
            Value("key"),
            Value("user"),
            Value("passwordFile"),
            Value("dialTimeout"),
            Value("commandTimeout")),
        Section(
            "store",
            Value("type"),
            Section("local", Value("path")),
            Section(
                "s3",
                Value("bucket"),
                Value("prefix"),
                Value("region"),
                Value("endpoint"),
                Value("pathStyle"),
                Section("credentials", Value("source"), Value("file"), Value("profile")),
                Value("caBundle"),
                Value("chunkedEncoding"),
                Value("checksum"),
                Value("sse"),
                Value("kmsKeyId"),
                Value("storageClass"),
                Section("objectLock", Value("mode"), Value("days")),
                Value("partSize"),
                Value("partsInFlight"),
                Value("bandwidthLimit"),
                Value("oldVersions"))),
        Section(
            "backup",
            Value("compression"),
            Value("level"),
            Section("encryption", Value("keyFile"), List("oldKeyFiles")),
            Value("spoolDir"),
            Value("spoolMaxCount"),
            Value("maxSnapshotSize")),
        Section(
            "retention",
            Value("keepLast"),
            Value("hourly"),
            Value("daily"),
            Value("weekly"),
            Value("monthly"),
            Value("timeZone"),
            Value("maxDeleteFraction"),
            Value("orphanGrace")),
        Section(
            "schedule",
            Value("backup"),
            Value("prune"),
            Value("drill"),
            Value("timeZone"),
            Value("jitter"),
            Value("mode"),
            Value("leaderDelay"),
            Value("stateDir")),
        Section("drill", Value("etcdBinary"), Value("restoreBinary"), Value("workDir"), Value("timeout"), Value("sampleKeys")),
        Section("continuous", Value("enabled"), Value("interval"), Value("maxSegmentBytes")),
        Section("bundle", Value("enabled"), Value("root"), List("include")),
        Section("metrics", Value("address"), Value("healthTicks"), Value("textfile")),
        Section("daemon", Value("webhook")));

    /// <summary>Every value and list below <paramref name="setting"/>, with its configuration path ("store:s3:bucket").</summary>
    public static IEnumerable<(string Path, Setting Setting)> Leaves(Setting setting, string path = "")
    {
        foreach (var child in setting.Children)
        {
            var childPath = path.Length == 0 ? child.Name : $"{path}:{child.Name}";
            if (child.Kind == SettingKind.Section)
            {
                foreach (var leaf in Leaves(child, childPath))
                {
                    yield return leaf;
                }
            }
            else
            {
                yield return (childPath, child);
            }
        }
    }

    /// <summary>The environment variable that overrides a key: store:s3:bucket → ETCD_AGENT_STORE__S3__BUCKET.</summary>
    public static string EnvironmentName(string path) =>
        "ETCD_AGENT_" + path.Replace(":", "__", StringComparison.Ordinal).Replace(".", "__", StringComparison.Ordinal).ToUpperInvariant();

    /// <summary>A configuration path ("store:s3:bucket") as operators write it in messages ("store.s3.bucket").</summary>
    public static string Dotted(string path) => path.Replace(':', '.');

    private static Setting Value(string name) => new(name, SettingKind.Value, []);

    private static Setting List(string name) => new(name, SettingKind.List, []);

    private static Setting Section(string name, params Setting[] children) => new(name, SettingKind.Section, children);
}

using EtcdAgent.Configuration.Settings;
using EtcdAgent.Configuration.Sources;
using EtcdAgent.Configuration.Validation;
using Microsoft.Extensions.Configuration;

namespace EtcdAgent.Configuration;

/// <summary>
/// Builds the validated options from three Microsoft.Extensions.Configuration sources, later ones winning:
/// config.yaml (or nothing, when the command can run from flags), ETCD_AGENT_* variables, and the --store flag. The
/// merged configuration is bound (binding source generator) into <see cref="AgentSettings"/> and each concern's
/// validator turns its section into options, reporting every problem of the whole configuration at once.
/// </summary>
internal static class ConfigLoader
{
    /// <summary>Deepest mapping/sequence nesting accepted in config.yaml.</summary>
    public const int MaxNesting = YamlFile.MaxNesting;

    /// <summary>
    /// Why <c>restore:</c> is refused rather than ignored: a restore is a one-off, run by hand on one node, and every
    /// setting it takes is a flag of its verb; the only file setting it uses is the state dir, shared with the daemon.
    /// </summary>
    internal const string RestoreIsFlags =
        "is not read from the configuration: a restore's settings are flags of `etcd-agent restore` (--restore-binary, " +
        "--data-dir, --topology, --unit, --manifests-dir, --initial-cluster, --stop-timeout, --health-timeout, ...; " +
        "see `etcd-agent restore --help`), its state dir is schedule.stateDir or --state-dir; remove this section";

    /// <summary>Loads and validates; throws <see cref="ConfigurationException"/> listing every problem.</summary>
    /// <param name="path">The file; null to build from defaults, the environment and the flag alone.</param>
    /// <param name="environment">Environment lookup (injectable for tests).</param>
    /// <param name="storeOverride">A <c>--store</c> flag (DIR or s3://bucket/prefix), overriding the file's store.</param>
    public static AgentOptions Load(string? path, Func<string, string?> environment, string? storeOverride = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var flags = storeOverride is null ? [] : StoreFlag.Values(storeOverride);
        var errors = new ConfigErrors(path ?? "(no config file)");
        var variables = new EnvironmentSource(environment);
        var builder = new ConfigurationBuilder();
        YamlFileSource? file = null;
        if (path is not null)
        {
            file = new YamlFileSource(path, errors, variables.Overrides);
            builder.Add(file);
        }

        builder.Add(variables);
        builder.AddInMemoryCollection(flags);
        var configuration = builder.Build();
        var settings = new AgentSettings();
        configuration.Bind(settings);

        // A value's complaint cites where the winning value came from: the flag, a variable, or its line in the file.
        string PositionOf(string dotted)
        {
            var key = dotted.Replace('.', ':');
            return flags.ContainsKey(key) ? StoreFlag.Name
                : variables.VariableOf(key) is { } variable ? "$" + variable
                : file?.Positions.GetValueOrDefault(key) ?? errors.FileName;
        }

        var root = new FieldCheck(string.Empty, errors, PositionOf);
        var options = new AgentOptions
        {
            Cluster = IdentityValidator.Cluster(settings.Cluster, root),
            Node = IdentityValidator.Node(settings.Node, environment, root),
            Etcd = EtcdValidator.Validate(settings.Etcd, root.Section("etcd")),
            Store = StoreValidator.Validate(settings.Store, root.Section("store"), configuration.GetSection("store").Exists()),
            Backup = BackupValidator.Validate(settings.Backup, root.Section("backup")),
            Retention = RetentionValidator.Validate(settings.Retention, root.Section("retention")),
            Schedule = ScheduleValidator.Validate(settings.Schedule, root.Section("schedule")),
            Drill = DrillValidator.Validate(settings.Drill, root.Section("drill")),
            Continuous = ContinuousValidator.Validate(settings.Continuous, root.Section("continuous")),
            Bundle = BundleValidator.Validate(settings.Bundle, root.Section("bundle")),
            SourceFile = path,
        };
        options = MetricsValidator.Validate(options, settings.Metrics, settings.Daemon, root);
        errors.ThrowIfAny();
        return options;
    }
}

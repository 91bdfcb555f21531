using EtcdAgent.Configuration;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Configuration;

public sealed class ConfigLoaderTests : IDisposable
{
    /// <summary>The smallest valid file (four lines), for tests about the keys after it.</summary>
    private const string LocalStore = "store:\n  type: local\n  local:\n    path: /var/backups/etcd\n";

    private readonly string _dir = Directory.CreateTempSubdirectory("etcd-agent-config").FullName;

    [Fact]
    public void AFullConfigurationIsReadIntoOptions()
    {
        var options = Load("""
            cluster: prod-eu1
            node: cp-1
            etcd:
              endpoints: [https://10.0.0.1:2379]
              cacert: /etc/kubernetes/pki/etcd/ca.crt
              dialTimeout: 3s
            store:
              type: s3
              s3:
                bucket: backups
                prefix: /etcd/
                endpoint: https://minio.example:9000
                partSize: 32MiB
                partsInFlight: 3
                sse: aws:kms
                kmsKeyId: key-1
                objectLock: { mode: GOVERNANCE, days: 14 }
                bandwidthLimit: 50MiB
            backup:
              compression: gzip
              level: 6
            retention:
              keepLast: 3
              hourly: 24
              timeZone: Europe/Berlin
              maxDeleteFraction: 0.25
            """);

        Assert.Equal("prod-eu1", options.Cluster);
        Assert.Equal("cp-1", options.Node);
        Assert.Equal(["https://10.0.0.1:2379"], options.Etcd.Endpoints);
        Assert.Equal(TimeSpan.FromSeconds(3), options.Etcd.DialTimeout);
        var s3 = options.Store.S3!;
        Assert.Equal(StoreKind.S3, options.Store.Kind);
        Assert.Equal("etcd", s3.Prefix);
        Assert.True(s3.PathStyle); // default for a custom endpoint
        Assert.False(s3.ChunkedEncoding); // default for a custom endpoint
        Assert.Equal(32L << 20, s3.PartSize);
        Assert.Equal(3, s3.PartsInFlight);
        Assert.Equal("aws:kms", s3.ServerSideEncryption);
        Assert.Equal(("GOVERNANCE", 14), (s3.ObjectLockMode, s3.ObjectLockDays));
        Assert.Equal(50L << 20, s3.BandwidthLimit);
        Assert.Equal((CompressionKind.Gzip, 6), (options.Backup.Compression, options.Backup.Level));
        Assert.Equal("Europe/Berlin", options.Retention.TimeZone.Id);
        Assert.Equal(0.25, options.Retention.MaxDeleteFraction);
    }

    [Fact]
    public void EveryProblemIsReportedAtOnceWithItsLineAndPath()
    {
        var error = Assert.Throws<ConfigurationException>(() => Load("""
            cluster: Prod Cluster
            etcd:
              endpoints: [ftp://10.0.0.1:2379, 10.0.0.2:2379, "https://etcd-3"]
            store:
              type: s3
              s3:
                partSize: 1MiB
                sse: AES128
                bucekt: typo
            backup:
              compression: lz4
            retention:
              timeZone: Mars/Olympus
              keepLast: 0
            """));

        var message = error.Message;
        Assert.Contains("10 problems", message, StringComparison.Ordinal);
        Assert.Contains("retention.keepLast \"0\" must be a whole number from 1", message, StringComparison.Ordinal);
        Assert.Contains("config.yaml:1:10: cluster", message, StringComparison.Ordinal);
        Assert.Contains("etcd.endpoints endpoint 'ftp://10.0.0.1:2379' is not a client URL", message, StringComparison.Ordinal);
        Assert.Contains("etcd.endpoints endpoint 'https://etcd-3' is not a client URL", message, StringComparison.Ordinal);
        Assert.DoesNotContain("10.0.0.2:2379", message, StringComparison.Ordinal);
        Assert.Contains("store.s3.bucket is required", message, StringComparison.Ordinal);
        Assert.Contains("config.yaml:7:15: store.s3.partSize \"1MiB\" must be a size", message, StringComparison.Ordinal);
        Assert.Contains("store.s3.sse \"AES128\" must be one of: none, AES256, aws:kms", message, StringComparison.Ordinal);
        Assert.Contains("store.s3.bucekt is not a known setting", message, StringComparison.Ordinal);
        Assert.Contains("backup.compression \"lz4\"", message, StringComparison.Ordinal);
        Assert.Contains("retention.timeZone \"Mars/Olympus\"", message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownKeyNamesTheKnownSpelling()
    {
        var error = Assert.Throws<ConfigurationException>(() => Load("""
            store:
              type: local
              local:
                path: /var/backups/etcd
            retention:
              keeplast: 5
            """));
        Assert.Contains("retention.keeplast is not a known setting (did you mean retention.keepLast?)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryMisspelledKeyIsNamedWithItsPathAndTheClosestKnownKey()
    {
        var error = Assert.Throws<ConfigurationException>(() => Load("""
            clustr: prod
            store:
              type: local
              local:
                pth: /var/backups/etcd
            schedule:
              backpu: "0 * * * *"
              jiter: 30s
              completelyDifferent: 1
            """));

        // Every bad field in one message: the daemon exits 78 naming all of them, not the first.
        string[] expected =
        [
            "6 problems",
            "config.yaml:1:1: clustr is not a known setting (did you mean cluster?)",
            "store.local.path is required",
            "store.local.pth is not a known setting (did you mean store.local.path?)",
            "config.yaml:7:3: schedule.backpu is not a known setting (did you mean schedule.backup?)",
            "schedule.jiter is not a known setting (did you mean schedule.jitter?)",
            "schedule.completelyDifferent is not a known setting; known here:",
        ];
        Assert.All(expected, line => Assert.Contains(line, error.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void ARestoreSectionIsRefusedNamingTheRestoreFlags()
    {
        var error = Assert.Throws<ConfigurationException>(() => Load(LocalStore + "restore:\n  stateDir: /var/lib/etcd-agent\n"));

        Assert.Contains("1 problem:", error.Message, StringComparison.Ordinal);
        Assert.Contains("config.yaml:5:1: restore is not read from the configuration", error.Message, StringComparison.Ordinal);
        Assert.Contains("flags of `etcd-agent restore`", error.Message, StringComparison.Ordinal);
        Assert.Contains("schedule.stateDir or --state-dir", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("did you mean", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEmptyRestoreSectionIsRefusedToo()
    {
        // "restore:" with nothing below still reads as a setting that does something; it must not pass silently.
        var error = Assert.Throws<ConfigurationException>(() => Load(LocalStore + "restore:\n"));
        Assert.Contains("restore is not read from the configuration", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnsetKeysTakeTheDefaultsStatedOnTheOptionsRecords()
    {
        var options = Load("store:\n  type: s3\n  s3:\n    bucket: b\n");

        Assert.Equal(new ScheduleOptions(), options.Schedule);
        Assert.Equal(new RetentionOptions(), options.Retention);
        Assert.Equal(new DrillOptions(), options.Drill);
        Assert.Equal(new S3Options { Bucket = "b", ChunkedEncoding = true }, options.Store.S3); // chunked: AWS, no endpoint
        var backup = new BackupOptions();
        Assert.Equal(
            (backup.Compression, backup.Level, backup.SpoolDir, backup.SpoolMaxCount, backup.MaxSnapshotSize),
            (options.Backup.Compression, options.Backup.Level, options.Backup.SpoolDir, options.Backup.SpoolMaxCount, options.Backup.MaxSnapshotSize));
        Assert.Equal((AgentOptions.DefaultCluster, AgentOptions.DefaultMetricsAddress, (double)AgentOptions.DefaultHealthTicks), (options.Cluster, options.MetricsAddress, options.HealthTicks));
        Assert.Equal(BackupOptions.DefaultGzipLevel, Load("store:\n  type: s3\n  s3:\n    bucket: b\nbackup:\n  compression: gzip\n").Backup.Level);
    }

    [Fact]
    public void EnvironmentOverridesTheFileAndIsNamedInErrors()
    {
        var env = new Dictionary<string, string?>
        {
            ["ETCD_AGENT_STORE__S3__BUCKET"] = "from-env",
            ["ETCD_AGENT_RETENTION__DAILY"] = "lots",
        };
        var error = Assert.Throws<ConfigurationException>(() => Load("""
            store:
              type: s3
              s3:
                bucket: from-file
            retention:
              daily: 3
            """, env));
        Assert.Contains("$ETCD_AGENT_RETENTION__DAILY: retention.daily \"lots\"", error.Message, StringComparison.Ordinal);

        env.Remove("ETCD_AGENT_RETENTION__DAILY");
        Assert.Equal("from-env", Load("store:\n  type: s3\n  s3:\n    bucket: from-file\n", env).Store.S3!.Bucket);
    }

    [Fact]
    public void StoreFlagWorksWithoutAFile()
    {
        var local = ConfigLoader.Load(null, _ => null, "/var/backups/etcd");
        Assert.Equal(("/var/backups/etcd", StoreKind.Local), (local.Store.LocalPath, local.Store.Kind));

        var s3 = ConfigLoader.Load(null, name => name == "ETCD_AGENT_STORE__S3__ENDPOINT" ? "http://127.0.0.1:9000" : null, "s3://bucket/some/prefix/");
        Assert.Equal(("bucket", "some/prefix"), (s3.Store.S3!.Bucket, s3.Store.S3.Prefix));
        Assert.Equal(new Uri("http://127.0.0.1:9000"), s3.Store.S3.Endpoint);

        Assert.Throws<ConfigurationException>(() => ConfigLoader.Load(null, _ => null, "relative/dir"));
        Assert.Throws<ConfigurationException>(() => ConfigLoader.Load(null, _ => null, null));
    }

    [Fact]
    public void StoreFlagOverridesTheFilesBucketAndPrefixWithoutCallingThemUnknown()
    {
        var path = Path.Combine(_dir, "config.yaml");
        File.WriteAllText(path, "store:\n  type: s3\n  s3:\n    bucket: from-file\n    prefix: file-prefix\n    endpoint: http://127.0.0.1:9000\n");
        var options = ConfigLoader.Load(path, _ => null, "s3://from-flag/flag-prefix");
        Assert.Equal(("from-flag", "flag-prefix"), (options.Store.S3!.Bucket, options.Store.S3.Prefix));
        Assert.Equal(new Uri("http://127.0.0.1:9000"), options.Store.S3.Endpoint); // the rest still comes from the file
    }

    [Fact]
    public void InvalidYamlSaysWhere()
    {
        var error = Assert.Throws<ConfigurationException>(() => Load("store:\n  type: [local\n"));
        Assert.Contains("config.yaml:", error.Message, StringComparison.Ordinal);
        Assert.Contains("not valid YAML", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadRefusesDeepNestingWhenItWouldOverflowTheStack()
    {
        // Found reviewing the config harness (docs/fuzzing.md): YamlDotNet's YamlStream recurses per level, and
        // this killed the process with a stack overflow instead of exit 2. It must fail cleanly, naming the place.
        var error = Assert.Throws<ConfigurationException>(() => Load(new string('[', 100_000)));
        Assert.Contains($"nested more than {ConfigLoader.MaxNesting} levels", error.Message, StringComparison.Ordinal);
        Assert.Contains("config.yaml:1:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadAcceptsNestingUpToTheLimit()
    {
        // The top-level mapping and the unknown key's mapping are two levels. No setting takes nested lists, so the
        // file is refused, but for the unknown key: the YAML itself was read, not stopped by the nesting check.
        var nested = new string('[', ConfigLoader.MaxNesting - 2) + new string(']', ConfigLoader.MaxNesting - 2);
        var error = Assert.Throws<ConfigurationException>(() => Load($"store:\n  type: local\n  local:\n    path: /srv/b\nextra:\n  x: {nested}\n"));
        Assert.Contains("1 problem:", error.Message, StringComparison.Ordinal);
        Assert.Contains("extra is not a known setting", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("nested", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AKeySpelledWithOtherCaseIsRefusedNotSilentlyBound()
    {
        // Microsoft.Extensions.Configuration matches keys case-insensitively; the file's keys are case-sensitive, so
        // "Cluster" must be reported (with the right spelling), not quietly taken as cluster.
        var error = Assert.Throws<ConfigurationException>(() => Load(LocalStore + "Cluster: prod\nretention:\n  KeepLast: 2\n"));

        Assert.Contains("2 problems", error.Message, StringComparison.Ordinal);
        Assert.Contains("config.yaml:5:1: Cluster is not a known setting (did you mean cluster?)", error.Message, StringComparison.Ordinal);
        Assert.Contains("retention.KeepLast is not a known setting (did you mean retention.keepLast?)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AValueOfTheWrongShapeIsNamedAtItsLine()
    {
        var error = Assert.Throws<ConfigurationException>(() => Load(LocalStore + """
            cluster: { name: prod }
            etcd:
              endpoints: { first: https://10.0.0.1:2379 }
            schedule: hourly
            backup:
              encryption:
                oldKeyFiles: [/etc/etcd-agent/old.key, [nested]]
            """));

        string[] expected =
        [
            "4 problems",
            "config.yaml:5:10: cluster must be a single value",
            "config.yaml:7:14: etcd.endpoints must be a list",
            "config.yaml:8:11: schedule must be a mapping",
            "config.yaml:11:44: backup.encryption.oldKeyFiles every item must be a single value",
        ];
        Assert.All(expected, line => Assert.Contains(line, error.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void ListsAreReadFromSequencesAndFromCommaSeparatedValues()
    {
        var options = Load(LocalStore + """
            etcd:
              endpoints: https://10.0.0.1:2379, https://10.0.0.2:2379
            backup:
              encryption:
                oldKeyFiles:
                  - /etc/etcd-agent/old-1.key
                  - /etc/etcd-agent/old-2.key
            """);

        Assert.Equal(["https://10.0.0.1:2379", "https://10.0.0.2:2379"], options.Etcd.Endpoints);
        Assert.Equal(["/etc/etcd-agent/old-1.key", "/etc/etcd-agent/old-2.key"], options.Backup.OldKeyFiles);
    }

    [Fact]
    public void AListFromTheEnvironmentReplacesTheFilesListWhole()
    {
        // Configuration providers merge lists index by index: a one-item variable over a three-item file list must
        // not leave the file's second and third endpoints behind.
        var env = new Dictionary<string, string?> { ["ETCD_AGENT_ETCD__ENDPOINTS"] = "https://10.0.0.9:2379" };
        var options = Load(LocalStore + "etcd:\n  endpoints: [https://a:2379, https://b:2379, https://c:2379]\n", env);

        Assert.Equal(["https://10.0.0.9:2379"], options.Etcd.Endpoints);
    }

    [Fact]
    public void EveryConcernReadsItsEnvironmentVariablesAndIgnoresVariablesThatAreNoSettings()
    {
        var env = new Dictionary<string, string?>
        {
            ["ETCD_AGENT_SCHEDULE__JITTER"] = "45s",
            ["ETCD_AGENT_DRILL__SAMPLEKEYS"] = "7",
            ["ETCD_AGENT_METRICS__ADDRESS"] = "off",
            ["ETCD_AGENT_BACKUP__ENCRYPTION__OLDKEYFILES"] = "/k/1.key,/k/2.key",
            ["ETCD_AGENT_STORE__S3__OBJECTLOCK__DAYS"] = "3",
            ["ETCD_AGENT_STORE__S3__OBJECTLOCK__MODE"] = "GOVERNANCE",
            ["ETCD_AGENT_STORE__TYPE"] = "s3",
            ["ETCD_AGENT_STORE__S3__BUCKET"] = "b",
            ["ETCD_AGENT_NOT_A_SETTING"] = "x",
            ["ETCD_AGENT_CONFIG"] = "/somewhere/else.yaml",
        };
        var options = Load(LocalStore, env);

        Assert.Equal(TimeSpan.FromSeconds(45), options.Schedule.Jitter);
        Assert.Equal(7, options.Drill.SampleKeys);
        Assert.Null(options.MetricsAddress);
        Assert.Equal(["/k/1.key", "/k/2.key"], options.Backup.OldKeyFiles);
        Assert.Equal((StoreKind.S3, "b", "GOVERNANCE", 3), (options.Store.Kind, options.Store.S3!.Bucket, options.Store.S3.ObjectLockMode, options.Store.S3.ObjectLockDays));
    }

    [Fact]
    public void AnEmptyFileWithAStoreFlagTakesEveryDefault()
    {
        var path = Path.Combine(_dir, "config.yaml");
        File.WriteAllText(path, "# nothing set yet\n");

        var options = ConfigLoader.Load(path, _ => null, "/var/backups/etcd");

        Assert.Equal((StoreKind.Local, "/var/backups/etcd"), (options.Store.Kind, options.Store.LocalPath));
        Assert.Equal(new ScheduleOptions(), options.Schedule);
        Assert.Equal(path, options.SourceFile);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ContinuousCaptureIsOffByDefaultAndItsSettingsAreCheckedWithTheirRange()
    {
        var defaults = Load(LocalStore).Continuous;
        Assert.False(defaults.Enabled);
        Assert.Equal(TimeSpan.FromSeconds(5), defaults.Interval);
        Assert.Equal(2L << 20, defaults.MaxSegmentBytes);

        var on = Load(LocalStore + "continuous:\n  enabled: true\n  interval: 2s\n  maxSegmentBytes: 1MiB\n").Continuous;
        Assert.Equal(new ContinuousOptions { Enabled = true, Interval = TimeSpan.FromSeconds(2), MaxSegmentBytes = 1L << 20 }, on);

        var error = Assert.Throws<ConfigurationException>(() => Load(LocalStore + "continuous:\n  enabled: maybe\n  interval: 500ms\n  maxSegmentBytes: 1GiB\n  intervall: 5s\n"));
        Assert.Contains("continuous.enabled \"maybe\" must be true or false", error.Message, StringComparison.Ordinal);
        Assert.Contains("continuous.interval \"500ms\" must be a duration like 30s, 5m or 2h, from 1s to 5m", error.Message, StringComparison.Ordinal);
        Assert.Contains("continuous.maxSegmentBytes \"1GiB\" must be a size", error.Message, StringComparison.Ordinal);
        Assert.Contains("continuous.intervall is not a known setting", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheBundleIsOffByDefaultWithKubeadmsFilesAndItsPatternsAreChecked()
    {
        var defaults = Load(LocalStore).Bundle;
        Assert.False(defaults.Enabled);
        Assert.Equal("/", defaults.Root);
        Assert.Equal(BundleOptions.KubeadmInclude, defaults.Include);

        var own = Load(LocalStore + "bundle:\n  include: [/etc/kubernetes/pki/**, /etc/kubernetes/admin.conf]\n").Bundle;
        Assert.Equal(["/etc/kubernetes/pki/**", "/etc/kubernetes/admin.conf"], own.Include);

        // On without an encryption key still loads: the bundle is refused at each backup, the snapshots go on.
        Assert.True(Load(LocalStore + "bundle:\n  enabled: true\n  root: /srv/node\n").Bundle is { Enabled: true, Root: "/srv/node" });

        var error = Assert.Throws<ConfigurationException>(() => Load(LocalStore + "bundle:\n  root: relative\n  include: [etc/kubernetes/**, /etc/../shadow]\n"));
        Assert.Contains("bundle.root \"relative\" must be an absolute directory", error.Message, StringComparison.Ordinal);
        Assert.Contains("bundle.include \"etc/kubernetes/**\" must be an absolute path", error.Message, StringComparison.Ordinal);
        Assert.Contains("bundle.include \"/etc/../shadow\" must not have an empty", error.Message, StringComparison.Ordinal);
    }

    private AgentOptions Load(string yaml, IReadOnlyDictionary<string, string?>? env = null)
    {
        var path = Path.Combine(_dir, "config.yaml");
        File.WriteAllText(path, yaml);
        return ConfigLoader.Load(path, name => env?.GetValueOrDefault(name));
    }
}

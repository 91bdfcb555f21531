using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace EtcdAgent.Configuration;

/// <summary>
/// Reads config.yaml (or nothing, when there is no file and the command can run from flags), applies ETCD_AGENT_*
/// overrides and validates everything, reporting every problem at once.
/// </summary>
internal static partial class ConfigLoader
{
    /// <summary>Deepest mapping/sequence nesting accepted in config.yaml (the real settings go 4 deep).</summary>
    public const int MaxNesting = 64;

    /// <summary>Loads and validates; throws <see cref="ConfigurationException"/> listing every problem.</summary>
    /// <param name="path">The file; null to build from defaults and the environment alone.</param>
    /// <param name="environment">Environment lookup (injectable for tests).</param>
    /// <param name="storeOverride">A <c>--store</c> flag (DIR or s3://bucket/prefix), overriding the file's store.</param>
    public static AgentOptions Load(string? path, Func<string, string?> environment, string? storeOverride = null)
    {
        var errors = new ConfigErrors(path ?? "(no config file)");
        YamlMappingNode? root = null;
        if (path is not null)
        {
            root = ParseFile(path, errors);
        }

        var options = Read(new ConfigSection(string.Empty, root, errors, environment), storeOverride, environment) with { SourceFile = path };
        errors.ThrowIfAny();
        return options;
    }

    private const int MaxConfigBytes = 16 << 20;

    private static YamlMappingNode? ParseFile(string path, ConfigErrors errors)
    {
        if (Directory.Exists(path))
        {
            throw new ConfigurationException($"config file {path} is a directory; pass --config FILE with the file itself (e.g. {Path.Combine(path, "config.yaml")})");
        }

        string text;
        try
        {
            // A config is a few KiB: a huge file is not one, and must not be read into memory whole.
            if (new FileInfo(path) is { Exists: true, Length: > MaxConfigBytes } big)
            {
                throw new ConfigurationException($"config file {path} is {big.Length} bytes, more than the {MaxConfigBytes / 1024} KiB a configuration can be; pass the right file");
            }

            text = File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            throw new ConfigurationException($"config file {path} does not exist; pass --config FILE (examples: /usr/share/doc/etcd-agent/examples/) or create it");
        }
        catch (DirectoryNotFoundException)
        {
            throw new ConfigurationException($"config file {path} does not exist; pass --config FILE (examples: /usr/share/doc/etcd-agent/examples/) or create it");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"cannot read config file {path}: {ex.Message}", ex);
        }

        try
        {
            CheckNesting(path, text);
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count == 0)
            {
                return null;
            }

            if (stream.Documents[0].RootNode is YamlMappingNode mapping)
            {
                return mapping;
            }

            errors.Add(path, "(top level)", "must be a mapping of settings (cluster:, etcd:, store:, ...)");
            return null;
        }
        catch (YamlException ex)
        {
            throw new ConfigurationException($"{path}:{ex.Start.Line}:{ex.Start.Column}: not valid YAML: {ex.InnerException?.Message ?? ex.Message}", ex);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet throws these instead of a YamlException on some malformed input (afl-fuzz: ": {\n/" from
            // its scanner, " : 0" from YamlStream): only YamlDotNet runs in this block, so they mean bad YAML too.
            throw new ConfigurationException(
                $"{path}: not valid YAML: the YAML reader failed on it ({ex.GetType().Name}); check the indentation, the ':' after each key and the brackets", ex);
        }
    }

    /// <summary>
    /// Refuses nesting deeper than any configuration needs before YamlStream builds its tree: YamlDotNet's
    /// representation model recurses once per level, so tens of thousands of '[' overflow the stack and kill the
    /// process (no exception to catch). The parser walked here keeps its own state stack and does not recurse.
    /// </summary>
    private static void CheckNesting(string path, string text)
    {
        var parser = new Parser(new StringReader(text));
        var depth = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case YamlDotNet.Core.Events.MappingStart or YamlDotNet.Core.Events.SequenceStart:
                    if (++depth > MaxNesting)
                    {
                        throw new ConfigurationException(
                            $"{path}:{parser.Current.Start.Line}:{parser.Current.Start.Column}: nested more than {MaxNesting} levels deep; a configuration needs at most 4");
                    }

                    break;
                case YamlDotNet.Core.Events.MappingEnd or YamlDotNet.Core.Events.SequenceEnd:
                    depth--;
                    break;
            }
        }
    }

    private static AgentOptions Read(ConfigSection root, string? storeOverride, Func<string, string?> environment)
    {
        var cluster = root.String("cluster") ?? AgentOptions.DefaultCluster;
        if (!SafeName().IsMatch(cluster))
        {
            root.Invalid("cluster", $"{Output.Echo.Quoted(cluster)} must be 1-63 characters of a-z, 0-9, '.', '_' or '-' (it is part of every object key)");
        }

        var node = root.String("node") ?? SafeHostName(environment);
        if (!SafeName().IsMatch(node))
        {
            root.Invalid("node", $"{Output.Echo.Quoted(node)} must be 1-63 characters of a-z, 0-9, '.', '_' or '-' (it is part of every object key)");
        }

        var options = new AgentOptions
        {
            Cluster = cluster,
            Node = node,
            Etcd = ReadEtcd(root.Section("etcd")),
            Store = ReadStore(root.Section("store"), storeOverride),
            Backup = ReadBackup(root.Section("backup")),
            Retention = ReadRetention(root.Section("retention")),
            Schedule = ReadSchedule(root.Section("schedule")),
            Drill = ReadDrill(root.Section("drill")),
        };
        var metrics = root.Section("metrics");
        var address = metrics.String("address") ?? AgentOptions.DefaultMetricsAddress;
        if (address is not ("off" or "none") && !System.Net.IPEndPoint.TryParse(address, out _) && !address.Contains(':', StringComparison.Ordinal))
        {
            metrics.Invalid("address", $"{Output.Echo.Quoted(address)} must be host:port (e.g. 127.0.0.1:9479) or off");
        }

        options = options with
        {
            MetricsAddress = address is "off" or "none" ? null : address,
            HealthTicks = metrics.Int("healthTicks", 1, 1000) ?? AgentOptions.DefaultHealthTicks,
            MetricsTextfile = metrics.String("textfile"),
            Webhook = ReadWebhook(root.Section("daemon")),
        };
        metrics.RejectUnknown();

        root.Refuse("restore", RestoreIsFlags);
        root.RejectUnknown();
        return options;
    }

    /// <summary>
    /// Why <c>restore:</c> is refused rather than ignored: a restore is a one-off, run by hand on one node, and every
    /// setting it takes is a flag of its verb; the only file setting it uses is the state dir, shared with the daemon.
    /// </summary>
    internal const string RestoreIsFlags =
        "is not read from the configuration: a restore's settings are flags of `etcd-agent restore` (--restore-binary, " +
        "--data-dir, --topology, --unit, --manifests-dir, --initial-cluster, --stop-timeout, --health-timeout, ...; " +
        "see `etcd-agent restore --help`), its state dir is schedule.stateDir or --state-dir; remove this section";

    private static EtcdOptions ReadEtcd(ConfigSection s)
    {
        var maxTimeout = TimeSpan.FromHours(24);
        var options = new EtcdOptions
        {
            Endpoints = s.List("endpoints"),
            CaCert = s.String("cacert"),
            Cert = s.String("cert"),
            Key = s.String("key"),
            User = s.String("user"),
            PasswordFile = s.String("passwordFile"),
            DialTimeout = s.Duration("dialTimeout", TimeSpan.FromMilliseconds(1), maxTimeout),
            CommandTimeout = s.Duration("commandTimeout", TimeSpan.FromMilliseconds(1), maxTimeout),
        };
        if (options.User is not null && options.PasswordFile is null)
        {
            s.Invalid("user", "needs passwordFile (a file, mode 0600, holding the password on its first line)");
        }

        s.RejectUnknown();
        return options;
    }

    private static StoreOptions ReadStore(ConfigSection s, string? storeOverride)
    {
        if (storeOverride is not null)
        {
            s.RejectUnknown("type", "local", "s3");
            return FromStoreFlag(storeOverride, s);
        }

        var type = s.OneOf("type", "local", "s3");
        if (type is null && !s.Present)
        {
            s.Errors.Add(s.Errors.FileName, "store", "is required: set store.type to local (with store.local.path) or s3 (with store.s3.bucket), or pass --store DIR|s3://BUCKET/PREFIX");
        }

        var local = s.Section("local");
        var s3 = s.Section("s3");
        StoreOptions options;
        if (type == "s3")
        {
            options = new StoreOptions { Kind = StoreKind.S3, S3 = ReadS3(s3, bucketFromFlag: null, prefixFromFlag: null) };
        }
        else
        {
            var path = local.Require("path", "the directory backups go to");
            if (path.Length > 0 && !Path.IsPathFullyQualified(path))
            {
                local.Invalid("path", $"{Output.Echo.Quoted(path)} must be an absolute path");
            }

            local.RejectUnknown();
            options = new StoreOptions { Kind = StoreKind.Local, LocalPath = path };
        }

        s.RejectUnknown("local", "s3");
        return options;
    }

    private static StoreOptions FromStoreFlag(string store, ConfigSection s)
    {
        if (store.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
        {
            var rest = store[5..].Trim('/');
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            var bucket = slash < 0 ? rest : rest[..slash];
            var prefix = slash < 0 ? string.Empty : rest[(slash + 1)..];
            if (bucket.Length == 0)
            {
                throw new ConfigurationException($"--store {store}: no bucket; use s3://BUCKET or s3://BUCKET/PREFIX");
            }

            // The rest of the S3 settings (endpoint, credentials, ...) still come from the file or ETCD_AGENT_STORE__S3__*.
            return new StoreOptions { Kind = StoreKind.S3, S3 = ReadS3(s.Section("s3"), bucket, prefix) };
        }

        if (!Path.IsPathFullyQualified(store) && !store.StartsWith('.'))
        {
            throw new ConfigurationException($"--store {store}: give an absolute directory path or s3://BUCKET/PREFIX");
        }

        return new StoreOptions { Kind = StoreKind.Local, LocalPath = Path.GetFullPath(store) };
    }

    private static S3Options ReadS3(ConfigSection s, string? bucketFromFlag, string? prefixFromFlag)
    {
        // The file's bucket and prefix are read even when --store overrides them, so they are not reported as
        // unknown settings; the flag wins.
        var fileBucket = bucketFromFlag is null ? s.Require("bucket", "the bucket backups go to") : s.String("bucket");
        var bucket = bucketFromFlag ?? fileBucket!;
        var filePrefix = s.String("prefix");
        var prefix = (prefixFromFlag ?? filePrefix ?? string.Empty).Trim('/');
        Uri? endpoint = null;
        if (s.String("endpoint") is { } endpointText)
        {
            if (!Uri.TryCreate(endpointText, UriKind.Absolute, out endpoint) || endpoint.Scheme is not ("http" or "https"))
            {
                s.Invalid("endpoint", $"{Output.Echo.Quoted(endpointText)} must be an http:// or https:// URL (e.g. https://minio.example:9000)");
                endpoint = null;
            }
        }

        var creds = s.Section("credentials");
        var source = creds.OneOf("source", "default", "environment", "file") switch
        {
            "environment" => CredentialSource.Environment,
            "file" => CredentialSource.File,
            "default" => CredentialSource.Default,
            _ => S3Options.DefaultCredentialSource,
        };
        var credentialsFile = creds.String("file");
        if (source == CredentialSource.File && credentialsFile is null)
        {
            creds.Invalid("file", "is required when credentials.source is file (an AWS shared-credentials file, mode 0600)");
        }

        var profile = creds.String("profile") ?? S3Options.DefaultCredentialsProfile;
        creds.RejectUnknown();

        var sse = s.OneOf("sse", "none", "AES256", "aws:kms");
        var kmsKeyId = s.String("kmsKeyId");
        if (kmsKeyId is not null && sse != "aws:kms")
        {
            s.Invalid("kmsKeyId", "is only used with sse: aws:kms");
        }

        var objectLock = s.Section("objectLock");
        var lockMode = objectLock.OneOf("mode", "GOVERNANCE", "COMPLIANCE");
        var lockDays = objectLock.Int("days", 1, 36500);
        if ((lockMode is null) != (lockDays is null))
        {
            objectLock.Invalid(lockMode is null ? "mode" : "days", "objectLock needs both mode (GOVERNANCE or COMPLIANCE) and days");
        }

        objectLock.RejectUnknown();
        var caBundle = s.String("caBundle");
        if (caBundle is not null && FileChecks.NotAFile(caBundle) is { } caProblem)
        {
            s.Invalid("caBundle", $"{Output.Echo.Bounded(caBundle)} {caProblem}");
        }

        var options = new S3Options
        {
            Bucket = bucket,
            Prefix = prefix,
            Region = s.String("region") ?? S3Options.DefaultRegion,
            Endpoint = endpoint,
            PathStyle = s.Bool("pathStyle") ?? endpoint is not null,
            Credentials = source,
            CredentialsFile = credentialsFile,
            CredentialsProfile = profile,
            CaBundle = caBundle,
            ChunkedEncoding = s.Bool("chunkedEncoding") ?? endpoint is null,
            ChecksumWhenRequired = s.OneOf("checksum", "when-required", "when-supported") is { } checksum
                ? checksum == "when-required"
                : S3Options.DefaultChecksumWhenRequired,
            ServerSideEncryption = sse is null or "none" ? null : sse,
            KmsKeyId = kmsKeyId,
            StorageClass = s.String("storageClass"),
            ObjectLockMode = lockMode,
            ObjectLockDays = lockDays ?? 0,
            PartSize = s.Bytes("partSize", 5L << 20, 5L << 30) ?? S3Options.DefaultPartSize,
            PartsInFlight = s.Int("partsInFlight", 1, 64) ?? S3Options.DefaultPartsInFlight,
            BandwidthLimit = s.Bytes("bandwidthLimit", 64 << 10, long.MaxValue),
        };
        s.RejectUnknown();
        return options;
    }

    private static BackupOptions ReadBackup(ConfigSection s)
    {
        var kind = s.OneOf("compression", "zstd", "gzip", "none") switch
        {
            "gzip" => CompressionKind.Gzip,
            "none" => CompressionKind.None,
            "zstd" => CompressionKind.Zstd,
            _ => BackupOptions.DefaultCompression,
        };
        var level = s.Int("level", 1, kind == CompressionKind.Gzip ? 9 : 19) ?? BackupOptions.DefaultLevel(kind);
        var encryption = s.Section("encryption");
        var options = new BackupOptions
        {
            Compression = kind,
            Level = level,
            KeyFile = encryption.String("keyFile"),
            OldKeyFiles = encryption.List("oldKeyFiles"),
            SpoolDir = s.String("spoolDir") ?? BackupOptions.DefaultSpoolDir,
            SpoolMaxCount = s.Int("spoolMaxCount", 0, 1000) ?? BackupOptions.DefaultSpoolMaxCount,
            MaxSnapshotSize = s.Bytes("maxSnapshotSize", 1L << 20, 1L << 50) ?? BackupOptions.DefaultMaxSnapshotSize,
        };
        foreach (var (key, file) in new[] { ("keyFile", options.KeyFile) }.Concat(options.OldKeyFiles.Select(f => ("oldKeyFiles", (string?)f))))
        {
            if (file is not null && !Path.IsPathFullyQualified(file))
            {
                encryption.Invalid(key, $"{Output.Echo.Quoted(file)} must be an absolute path");
            }
        }

        encryption.RejectUnknown();
        if (!Path.IsPathFullyQualified(options.SpoolDir))
        {
            s.Invalid("spoolDir", $"{Output.Echo.Quoted(options.SpoolDir)} must be an absolute path");
        }

        s.RejectUnknown();
        return options;
    }

    private static RetentionOptions ReadRetention(ConfigSection s)
    {
        var zone = ReadTimeZone(s) ?? RetentionOptions.DefaultTimeZone;

        var options = new RetentionOptions
        {
            KeepLast = s.Int("keepLast", 1, 100_000) ?? RetentionOptions.DefaultKeepLast,
            Hourly = s.Int("hourly", 0, 100_000) ?? RetentionOptions.DefaultHourly,
            Daily = s.Int("daily", 0, 100_000) ?? RetentionOptions.DefaultDaily,
            Weekly = s.Int("weekly", 0, 100_000) ?? RetentionOptions.DefaultWeekly,
            Monthly = s.Int("monthly", 0, 100_000) ?? RetentionOptions.DefaultMonthly,
            TimeZone = zone,
            MaxDeleteFraction = s.Fraction("maxDeleteFraction") ?? RetentionOptions.DefaultMaxDeleteFraction,
            OrphanGrace = s.Duration("orphanGrace", TimeSpan.FromMinutes(10), TimeSpan.FromDays(365)) ?? RetentionOptions.DefaultOrphanGrace,
        };
        s.RejectUnknown();
        return options;
    }

    private static ScheduleOptions ReadSchedule(ConfigSection s)
    {
        var zone = ReadTimeZone(s) ?? ScheduleOptions.DefaultTimeZone;

        var backup = s.String("backup") ?? ScheduleOptions.DefaultBackup;
        var prune = s.String("prune");
        var drill = s.String("drill") ?? ScheduleOptions.DefaultDrill;
        foreach (var (key, text) in new[] { ("backup", (string?)backup), ("prune", prune), ("drill", drill is "off" ? null : drill) })
        {
            if (text is null)
            {
                continue;
            }

            try
            {
                CronSchedule.Parse(text, zone);
            }
            catch (FormatException ex)
            {
                s.Invalid(key, ex.Message);
            }
        }

        var options = new ScheduleOptions
        {
            Backup = backup,
            Prune = prune,
            Drill = drill is "off" ? null : drill,
            TimeZone = zone,
            Jitter = s.Duration("jitter", TimeSpan.Zero, TimeSpan.FromHours(1)) ?? ScheduleOptions.DefaultJitter,
            PerNode = s.OneOf("mode", "perCluster", "perNode") is { } mode ? mode == "perNode" : ScheduleOptions.DefaultPerNode,
            LeaderDelay = s.Duration("leaderDelay", TimeSpan.Zero, TimeSpan.FromMinutes(5)) ?? ScheduleOptions.DefaultLeaderDelay,
            StateDir = s.String("stateDir") ?? ScheduleOptions.DefaultStateDir,
        };
        s.RejectUnknown();
        return options;
    }

    private static DrillOptions ReadDrill(ConfigSection s)
    {
        var options = new DrillOptions
        {
            EtcdBinary = s.String("etcdBinary"),
            RestoreBinary = s.String("restoreBinary"),
            WorkDir = s.String("workDir"),
            Timeout = s.Duration("timeout", TimeSpan.FromMinutes(1), TimeSpan.FromHours(12)) ?? DrillOptions.DefaultTimeout,
            SampleKeys = s.Int("sampleKeys", 0, 10_000) ?? DrillOptions.DefaultSampleKeys,
        };
        s.RejectUnknown();
        return options;
    }

    private static Uri? ReadWebhook(ConfigSection s)
    {
        Uri? url = null;
        if (s.String("webhook") is { } text && (!Uri.TryCreate(text, UriKind.Absolute, out url) || url.Scheme is not ("http" or "https")))
        {
            s.Invalid("webhook", $"{Output.Echo.Quoted(text)} must be an http:// or https:// URL");
            url = null;
        }

        s.RejectUnknown();
        return url;
    }

    /// <summary>The section's timeZone; null when unset or invalid (reported), so the caller applies its default.</summary>
    private static TimeZoneInfo? ReadTimeZone(ConfigSection s)
    {
        var zoneName = s.String("timeZone");
        if (zoneName is null)
        {
            return null;
        }

        if (TimeZoneInfo.TryFindSystemTimeZoneById(zoneName, out var zone))
        {
            return zone;
        }

        s.Invalid("timeZone", $"{Output.Echo.Quoted(zoneName)} is not a known time zone (use an IANA name such as Europe/Berlin, or UTC)");
        return null;
    }

    private static string SafeHostName(Func<string, string?> environment)
    {
        var host = (environment("ETCD_AGENT_NODE_NAME") ?? System.Net.Dns.GetHostName()).ToLowerInvariant();
        var cleaned = Regex.Replace(host, "[^a-z0-9._-]", "-");
        return cleaned.Length is > 0 and <= 63 ? cleaned : "node";
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,62}$")]
    private static partial Regex SafeName();
}

using System.CommandLine;
using EtcdAgent.Commands;
using EtcdAgent.Configuration;
using EtcdAgent.Doctor;
using EtcdAgent.IntegrationTests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace EtcdAgent.IntegrationTests.Doctor;

/// <summary>
/// Runs doctor's checks in-process against a config file, with the seams a test bends (clock, free space, unit
/// directories) and no flags, so the configuration alone decides.
/// </summary>
internal sealed class DoctorHarness(TempDir dir)
{
    public TimeProvider Time { get; init; } = TimeProvider.System;

    public Func<string, long>? FreeSpace { get; init; }

    public string WriteConfig(string etcd, string store, string extra = "", string name = "config.yaml")
    {
        var path = dir.File(name);
        File.WriteAllText(path, $"""
            cluster: doctor
            node: node-a
            {etcd}
            {store}
            backup:
              spoolDir: {dir.File("spool")}
            {extra}
            """);
        return path;
    }

    public static string Etcd(string endpoints, string extra = "") => $"etcd:\n  endpoints: [{endpoints}]\n{extra}";

    public string LocalStore(bool create = true)
    {
        var path = dir.File("store");
        if (create)
        {
            Directory.CreateDirectory(path);
        }

        return $"store:\n  type: local\n  local:\n    path: {path}";
    }

    public string KeyFile(UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite, int bytes = 32)
    {
        var path = dir.File($"key-{Guid.NewGuid():N}");
        File.WriteAllText(path, Convert.ToBase64String(new byte[bytes]) + "\n");
        File.SetUnixFileMode(path, mode);
        return path;
    }

    public DoctorContext Context(string config)
    {
        // No kubeadm PKI of the test machine, no etcdctl environment: the config alone.
        var env = new Dictionary<string, string> { ["ETCD_AGENT_KUBEADM_PKI_DIR"] = "/nonexistent" };
        string? Lookup(string name) => env.GetValueOrDefault(name);
        var cli = new CliContext
        {
            Out = TextWriter.Null,
            Error = TextWriter.Null,
            Environment = Lookup,
            Time = Time,
            Loggers = NullLoggerFactory.Instance,
        };
        var flags = new ConnectionFlags();
        var root = new RootCommand();
        foreach (var option in flags.All)
        {
            root.Options.Add(option);
        }

        var parse = root.Parse(Array.Empty<string>());
        Directory.CreateDirectory(dir.File("no-units"));
        return new DoctorContext
        {
            LoadOptions = () => ConfigLoader.Load(config, Lookup),
            ResolveConnection = options => flags.Resolve(parse, cli, options.Etcd),
            Time = Time,
            Loggers = NullLoggerFactory.Instance,
            Environment = Lookup,
            FreeSpace = FreeSpace ?? DiskSpace.Available,
            UnitDirs = [dir.File("no-units")],
        };
    }

    /// <summary>Runs every check up to and including <paramref name="name"/> (its prerequisites) and returns its result.</summary>
    public async Task<CheckResult> RunAsync(string config, string name)
    {
        using var context = Context(config);
        var checks = DoctorRunner.AllChecks();
        var upTo = checks.TakeWhile(c => c.Name != name).Count();
        Assert.True(upTo < checks.Count, $"no check named {name}");
        var outcomes = await DoctorRunner.RunAsync(checks.Take(upTo + 1), context, CancellationToken.None);
        return outcomes[^1].Result;
    }
}

/// <summary>A clock that is off by a fixed amount, as a badly synchronised node's is.</summary>
internal sealed class OffsetTimeProvider(TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
}

internal static class DoctorAssert
{
    public static void Status(CheckStatus expected, CheckResult result) =>
        Assert.True(result.Status == expected, $"expected {expected}, got {result.Status}: {result.Detail} | fix: {result.Fix}");

    public static void Fails(CheckResult result, string fixText)
    {
        Status(CheckStatus.Fail, result);
        Assert.Contains(fixText, result.Fix, StringComparison.Ordinal);
    }
}

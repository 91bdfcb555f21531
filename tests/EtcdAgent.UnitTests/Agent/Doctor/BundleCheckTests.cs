using EtcdAgent.Configuration;
using EtcdAgent.Doctor;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Doctor;

public sealed class BundleCheckTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("etcd-agent-bundle-check").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task PassesWhenEveryIncludedFileIsReadableAndAKeyIsSet()
    {
        Directory.CreateDirectory(Path.Join(_root, "etc/kubernetes/pki"));
        File.WriteAllText(Path.Join(_root, "etc/kubernetes/pki/ca.key"), "k");
        File.WriteAllText(Path.Join(_root, "etc/kubernetes/admin.conf"), "c");

        var result = await RunAsync(Options(keyFile: "/k", include: ["/etc/kubernetes/pki/**", "/etc/kubernetes/admin.conf"]));

        Assert.Equal(CheckStatus.Pass, result.Status);
        Assert.StartsWith("2 files (2 paths)", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WarnsForMissingPathsAndForAnEmptyBundle()
    {
        File.WriteAllText(Path.Join(_root, "one.conf"), "c");

        var missing = await RunAsync(Options(keyFile: "/k", include: ["/one.conf", "/etc/kubernetes/pki/**"]));
        Assert.Equal(CheckStatus.Warn, missing.Status);
        Assert.Contains("missing: /etc/kubernetes/pki/**", missing.Detail, StringComparison.Ordinal);

        var empty = await RunAsync(Options(keyFile: "/k", include: ["/etc/kubernetes/pki/**"]));
        Assert.Equal(CheckStatus.Warn, empty.Status);
        Assert.Contains("matches no file here", empty.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailsWithoutAKeyAndIsSkippedWhenOff()
    {
        var noKey = await RunAsync(Options(keyFile: null, include: ["/x"]));
        Assert.Equal(CheckStatus.Fail, noKey.Status);
        Assert.Contains("WITHOUT its bundle", noKey.Detail, StringComparison.Ordinal);

        var off = await RunAsync(Options(keyFile: "/k", include: ["/x"]) with { Bundle = new BundleOptions { Root = _root } });
        Assert.Equal(CheckStatus.Skip, off.Status);
    }

    private AgentOptions Options(string? keyFile, IReadOnlyList<string> include) => new()
    {
        Cluster = "c",
        Node = "n1",
        Etcd = new EtcdOptions(),
        Store = new StoreOptions { Kind = StoreKind.Local, LocalPath = "/unused" },
        Backup = new BackupOptions { KeyFile = keyFile },
        Retention = new RetentionOptions(),
        Bundle = new BundleOptions { Enabled = true, Root = _root, Include = include },
    };

    private static Task<CheckResult> RunAsync(AgentOptions options)
    {
        using var context = new DoctorContext
        {
            LoadOptions = () => options,
            ResolveConnection = _ => throw new InvalidOperationException("not needed"),
            Time = TimeProvider.System,
            Loggers = NullLoggerFactory.Instance,
            Options = options,
        };
        return new BundleCheck().RunAsync(context, CancellationToken.None);
    }
}

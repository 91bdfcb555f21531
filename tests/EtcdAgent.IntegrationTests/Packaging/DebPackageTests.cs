using EtcdAgent.IntegrationTests.Fixtures;
using Xunit;

namespace EtcdAgent.IntegrationTests.Packaging;

/// <summary>The .deb `make deb-amd64` built (make test builds it first): its contents and lintian. The Sandbox tests install it under a real systemd.</summary>
public sealed class DebPackageTests
{
    private const string Unit = "/lib/systemd/system/etcd-agent.service";

    [Fact]
    public async Task PackageHoldsTheBinaryUnitConffileAndDocs()
    {
        var listing = (await ProcessRunner.RunCheckedAsync("dpkg-deb", "-c", RepoPaths.Deb)).Stdout;
        var modes = listing.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToDictionary(f => f[^1].TrimStart('.'), f => f[0]);

        Assert.Equal("-rwxr-xr-x", modes["/usr/bin/etcd-agent"]);
        Assert.Equal("-rw-r--r--", modes[Unit]);
        Assert.Equal("-rw-------", modes["/etc/etcd-agent/config.yaml"]);
        Assert.True(modes.ContainsKey("/usr/share/man/man8/etcd-agent.8.gz"), $"no man page:\n{listing}");
        Assert.Equal("drwx------", modes["/etc/etcd-agent/"]);
        foreach (var doc in new[] { "copyright", "changelog.gz", "README.md", "examples/kubeadm-stacked.yaml", "examples/external-etcd.yaml", "examples/local-directory.yaml",
            "examples/monitoring/etcd-agent.rules.yml", "examples/monitoring/etcd-agent.rules.test.yml", "examples/monitoring/etcd-agent.grafana.json" })
        {
            Assert.True(modes.ContainsKey("/usr/share/doc/etcd-agent/" + doc), $"{doc} missing from the package:\n{listing}");
        }

        var conffiles = (await ProcessRunner.RunCheckedAsync("dpkg-deb", "-I", RepoPaths.Deb, "conffiles")).Stdout;
        Assert.Equal("/etc/etcd-agent/config.yaml", conffiles.Trim());
        var fields = (await ProcessRunner.RunCheckedAsync("dpkg-deb", "-f", RepoPaths.Deb, "Version", "Depends", "Recommends")).Stdout;
        Assert.Contains($"Version: {RepoPaths.Version}\n", fields, StringComparison.Ordinal);
        Assert.Contains("libzstd1", fields, StringComparison.Ordinal);
        Assert.Contains("Recommends: etcd-client", fields, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LintianFindsNoErrors()
    {
        var result = await ProcessRunner.RunAsync("lintian", ["--tag-display-limit", "0", RepoPaths.Deb], timeout: TimeSpan.FromMinutes(3));
        var errors = result.Stdout.Split('\n').Where(l => l.StartsWith("E:", StringComparison.Ordinal)).ToList();
        Assert.True(result.ExitCode == 0 && errors.Count == 0, $"lintian exited {result.ExitCode}:\n{result.Stdout}{result.Stderr}");
    }
}

using System.Text.Json;
using EtcdAgent.IntegrationTests.Fixtures;
using Xunit;

namespace EtcdAgent.IntegrationTests.Doctor;

/// <summary>`etcd-agent doctor` as an operator runs it: the built binary against real etcd and real s3rver.</summary>
public sealed class DoctorBinaryTests(EtcdAndS3Fixture fixture) : IClassFixture<EtcdAndS3Fixture>, IDisposable
{
    private readonly TempDir _dir = new("etcd-agent-doctor-e2e");

    public void Dispose() => _dir.Dispose();

    private Dictionary<string, string?> Environment()
    {
        // A unit as packaging installs it, found through systemd's own override of the search path.
        var units = _dir.File("units");
        Directory.CreateDirectory(units);
        File.WriteAllText(Path.Combine(units, "etcd-agent.service"), "[Unit]\nDescription=etcd-agent\n\n[Service]\nType=notify\nWatchdogSec=60s\nExecStart=/usr/bin/etcd-agent run\n");
        return new Dictionary<string, string?>(S3rverNode.Environment) { ["SYSTEMD_UNIT_PATH"] = units, ["NOTIFY_SOCKET"] = null };
    }

    [Fact]
    public async Task EverythingPassesOnAGoodInstallAndExitsZero()
    {
        var harness = new DoctorHarness(_dir);
        var key = harness.KeyFile();
        var config = harness.WriteConfig(DoctorHarness.Etcd(fixture.Cluster.Endpoints), fixture.S3.StoreYaml("doctor-e2e"),
            extra: $"  encryption:\n    keyFile: {key}");

        var result = await AgentBinary.RunAsync(["doctor", "--config", config], Environment());

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Equal(11, result.Stdout.Split('\n').Count(l => l.StartsWith("[PASS] ", StringComparison.Ordinal)));
        Assert.Contains("[WARN] encryption key:", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("[SKIP] recovery bundle: bundle.enabled is off", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("[PASS] store versioning and Object Lock: versioning off; Object Lock not implemented by this store", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("13 checks: 11 passed, 1 warnings, 0 failed, 1 skipped", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFailureExitsOneAndJsonListsEveryCheck()
    {
        var harness = new DoctorHarness(_dir);
        var config = harness.WriteConfig(DoctorHarness.Etcd($"http://127.0.0.1:{FreePorts.Next()}"), fixture.S3.StoreYaml("doctor-e2e-fail"));

        var text = await AgentBinary.RunAsync(["doctor", "--config", config], Environment());
        var json = await AgentBinary.RunAsync(["doctor", "--config", config, "-w", "json"], Environment());

        Assert.True(text.ExitCode == 1, text.Stdout + text.Stderr);
        Assert.Contains("[FAIL] etcd reachable:", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("       fix: start etcd or point etcd.endpoints", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("[SKIP] permission to snapshot: etcd is not reachable", text.Stdout, StringComparison.Ordinal);
        Assert.Equal(1, json.ExitCode);
        using var doc = JsonDocument.Parse(json.Stdout);
        var checks = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(13, checks.Count);
        Assert.Equal("fail", checks.Single(c => c.GetProperty("name").GetString() == "etcd reachable").GetProperty("status").GetString());
        Assert.Equal("pass", checks.Single(c => c.GetProperty("name").GetString() == "store round trip").GetProperty("status").GetString());
    }
}

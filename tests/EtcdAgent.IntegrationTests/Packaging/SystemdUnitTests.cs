using System.Globalization;
using System.Text.RegularExpressions;
using EtcdAgent.Failures;
using EtcdAgent.IntegrationTests.Fixtures;
using Xunit;

namespace EtcdAgent.IntegrationTests.Packaging;

/// <summary>
/// packaging/systemd/etcd-agent.service, checked offline (systemd is not PID 1 on build machines). systemd-analyze
/// verify insists that ExecStart's binary exists and is executable, and /usr/bin/etcd-agent is only there once the
/// .deb is installed; so these tests check a copy of the unit whose ExecStart points at the published binary, and
/// DebPackageTests verifies the installed unit at its real path.
/// </summary>
public sealed partial class SystemdUnitTests : IDisposable
{
    /// <summary>The issue's goal for `systemd-analyze security --offline=true` (0 = locked down, 10 = exposed).</summary>
    private const double MaxExposure = 2.5;

    private readonly TempDir _dir = new();

    private static string UnitText => File.ReadAllText(RepoPaths.File("packaging", "systemd", "etcd-agent.service"));

    [Fact]
    public async Task UnitVerifiesWithThePublishedBinaryAtItsExecStart()
    {
        var unit = UnitWithPublishedBinary();
        // --man=no: the unit's man:etcd-agent(8) is only there once the package is; the sandbox tests load and start the installed unit under a real systemd.
        var result = await ProcessRunner.RunAsync("systemd-analyze", ["verify", "--man=no", unit]);

        // verify exits 0 on some problems it only logs (an unknown key, a bad value): any line about our unit fails.
        Assert.True(result.ExitCode == 0 && !result.Stderr.Contains("etcd-agent.service", StringComparison.Ordinal),
            $"systemd-analyze verify {unit} exited {result.ExitCode}:\n{result.Stderr}{result.Stdout}");
    }

    [Fact]
    public async Task SecurityExposureMeetsTheGoal()
    {
        var unit = UnitWithPublishedBinary();
        var result = await ProcessRunner.RunAsync("systemd-analyze", ["security", "--offline=true", unit]);

        var match = OverallExposure().Match(result.Stdout);
        Assert.True(match.Success, $"no overall exposure in systemd-analyze security output:\n{result.Stdout}{result.Stderr}");
        var exposure = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(exposure <= MaxExposure, $"exposure {exposure} > {MaxExposure}; what counts:\n{result.Stdout}");
    }

    [Fact]
    public void UnitCarriesWhatTheDaemonReliesOn()
    {
        var settings = UnitText.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && l[0] != '#').ToList();

        Assert.Contains("Type=notify", settings);
        Assert.Contains("ExecStart=/usr/bin/etcd-agent run --config /etc/etcd-agent/config.yaml", settings);
        Assert.Contains($"RestartPreventExitStatus={ExitCodes.ConfigError}", settings);
        Assert.DoesNotContain(settings, s => s.StartsWith("Environment=DOTNET_", StringComparison.Ordinal)); // built in, not knobs
        Assert.Contains("StateDirectory=etcd-agent", settings);
        Assert.Contains("CapabilityBoundingSet=", settings);
        Assert.Contains(settings, s => s.StartsWith("WatchdogSec=", StringComparison.Ordinal));

        // The CLI gives cleanup (finally blocks) up to 30 s after SIGTERM: systemd must not SIGKILL before that.
        var stop = settings.Single(s => s.StartsWith("TimeoutStopSec=", StringComparison.Ordinal));
        var stopSeconds = int.Parse(stop["TimeoutStopSec=".Length..].TrimEnd('s'), CultureInfo.InvariantCulture);
        Assert.True(stopSeconds >= 30, stop);

        // The daemon's host gives running jobs its shutdown timeout after SIGTERM and then exits on its own: that
        // must end well inside TimeoutStopSec, or systemd's SIGKILL comes first.
        Assert.True(Composition.DaemonHost.ShutdownTimeout <= TimeSpan.FromSeconds(stopSeconds - 5),
            $"host shutdown timeout {Composition.DaemonHost.ShutdownTimeout} vs {stop}");
        Assert.True(Composition.DaemonHost.ShutdownTimeout < Commands.CliApp.ProcessTerminationTimeout,
            "the host must give up on a stuck job before System.CommandLine turns the stop into exit 143");

        // .NET's JIT needs writable-then-executable memory; with this the runtime crashes at start.
        Assert.DoesNotContain(settings, s => s.StartsWith("MemoryDenyWriteExecute=", StringComparison.Ordinal));
    }

    private string UnitWithPublishedBinary()
    {
        var path = _dir.File("etcd-agent.service");
        File.WriteAllText(path, UnitText.Replace("ExecStart=/usr/bin/etcd-agent ", $"ExecStart={RepoPaths.PublishedBinary} ", StringComparison.Ordinal));
        return path;
    }

    [GeneratedRegex(@"Overall exposure level for \S+: (\d+(?:\.\d+)?)")]
    private static partial Regex OverallExposure();

    public void Dispose() => _dir.Dispose();
}

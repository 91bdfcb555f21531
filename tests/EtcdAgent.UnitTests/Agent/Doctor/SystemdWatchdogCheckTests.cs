using EtcdAgent.Doctor;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Doctor;

public sealed class SystemdWatchdogCheckTests : IDisposable
{
    private readonly string _etc = Directory.CreateTempSubdirectory("etcd-agent-units-etc").FullName;
    private readonly string _lib = Directory.CreateTempSubdirectory("etcd-agent-units-lib").FullName;

    public void Dispose()
    {
        Directory.Delete(_etc, recursive: true);
        Directory.Delete(_lib, recursive: true);
    }

    private Task<CheckResult> RunAsync(Dictionary<string, string>? environment = null)
    {
        using var context = new DoctorContext
        {
            LoadOptions = () => throw new InvalidOperationException("not needed"),
            ResolveConnection = _ => throw new InvalidOperationException("not needed"),
            Time = TimeProvider.System,
            Loggers = NullLoggerFactory.Instance,
            Environment = name => environment?.GetValueOrDefault(name),
            UnitDirs = [_etc, _lib],
        };
        return new SystemdWatchdogCheck().RunAsync(context, CancellationToken.None);
    }

    private static void Unit(string dir, string service, string name = "etcd-agent.service") =>
        File.WriteAllText(Path.Combine(dir, name), $"[Unit]\nDescription=etcd-agent\n\n[Service]\n{service}\nExecStart=/usr/bin/etcd-agent run\n\n[Install]\nWantedBy=multi-user.target\n");

    [Fact]
    public async Task PassesForANotifyUnitWithAWatchdog()
    {
        Unit(_lib, "Type=notify\nWatchdogSec=1min");

        var result = await RunAsync();

        Assert.Equal(CheckStatus.Pass, result.Status);
        Assert.Contains("WatchdogSec=1min (60 s)", result.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Type=notify", "set WatchdogSec=60")]
    [InlineData("Type=notify\nWatchdogSec=5", "at least 10s")]
    [InlineData("WatchdogSec=60", "set Type=notify")]
    public async Task FailsWithTheFixForAMisconfiguredUnit(string service, string fix)
    {
        Unit(_lib, service);

        var result = await RunAsync();

        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.Contains(fix, result.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADropInAndAMoreLocalUnitTakePrecedence()
    {
        Unit(_lib, "Type=simple");
        Unit(_etc, "Type=notify\nWatchdogSec=0");
        Directory.CreateDirectory(Path.Combine(_lib, "etcd-agent.service.d"));
        File.WriteAllText(Path.Combine(_lib, "etcd-agent.service.d", "watchdog.conf"), "[Service]\nWatchdogSec=2min 30s\n");

        var result = await RunAsync();

        Assert.Equal(CheckStatus.Pass, result.Status);
        Assert.Contains(_etc, result.Detail, StringComparison.Ordinal);
        Assert.Contains("(150 s)", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WarnsWhenNoUnitIsInstalled()
    {
        var result = await RunAsync();

        Assert.Equal(CheckStatus.Warn, result.Status);
        Assert.Contains("not running under systemd", result.Detail, StringComparison.Ordinal);
        Assert.Contains("packaging/systemd/etcd-agent.service", result.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnderSystemdTheEnvironmentDecides()
    {
        var watched = await RunAsync(new() { ["NOTIFY_SOCKET"] = "/run/systemd/notify", ["WATCHDOG_USEC"] = "60000000" });
        var unwatched = await RunAsync(new() { ["NOTIFY_SOCKET"] = "/run/systemd/notify" });

        Assert.Equal(CheckStatus.Pass, watched.Status);
        Assert.Equal(CheckStatus.Fail, unwatched.Status);
        Assert.Contains("WatchdogSec=60", unwatched.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void SearchDirsFollowSystemdUnitPath()
    {
        Assert.Equal(SystemdServiceSettings.DefaultDirs, SystemdServiceSettings.SearchDirs(_ => null));
        Assert.Equal(["/a", "/b"], SystemdServiceSettings.SearchDirs(n => n == "SYSTEMD_UNIT_PATH" ? "/a:/b" : null));
        Assert.Equal(["/a", .. SystemdServiceSettings.DefaultDirs], SystemdServiceSettings.SearchDirs(n => n == "SYSTEMD_UNIT_PATH" ? "/a:" : null));
    }

    [Theory]
    [InlineData("30", 30.0)]
    [InlineData("30s", 30.0)]
    [InlineData("1min 30s", 90.0)]
    [InlineData("500ms", 0.5)]
    [InlineData("2h", 7200.0)]
    [InlineData("0", 0.0)]
    [InlineData("infinity", 0.0)]
    public void ParseTimeSpanReadsSystemdSpans(string text, double seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), SystemdServiceSettings.ParseTimeSpan(text));

    [Theory]
    [InlineData("soon")]
    [InlineData("5 fortnights")]
    public void ParseTimeSpanRejectsNonsense(string text) => Assert.Null(SystemdServiceSettings.ParseTimeSpan(text));
}

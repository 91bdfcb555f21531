using System.ComponentModel;
using System.Text.Json;
using System.Text.RegularExpressions;
using EtcdAgent.Diagnostics;
using EtcdAgent.Drill;
using EtcdAgent.IntegrationTests.Fixtures;
using Xunit;

namespace EtcdAgent.IntegrationTests.Packaging;

/// <summary>
/// packaging/monitoring, the alerting rules and dashboard the .deb ships: promtool accepts the rules and their unit
/// tests pass, every metric they and the dashboard name is one the agent exports (with the labels it exports), and
/// the dashboard imports into any Grafana (its data source is a variable).
/// </summary>
public sealed partial class MonitoringKitTests
{
    private static readonly string Rules = RepoPaths.File("packaging", "monitoring", "etcd-agent.rules.yml");
    private static readonly string RuleTests = RepoPaths.File("packaging", "monitoring", "etcd-agent.rules.test.yml");
    private static readonly string Dashboard = RepoPaths.File("packaging", "monitoring", "etcd-agent.grafana.json");

    /// <summary>Labels Prometheus adds to every scraped series; the rest must be the agent's own.</summary>
    private static readonly string[] TargetLabels = ["instance", "job"];

    [Fact]
    public async Task PromtoolAcceptsTheRules()
    {
        var result = await PromtoolAsync("check", "rules", Rules);

        Assert.True(result.ExitCode == 0, $"promtool check rules {Rules} exited {result.ExitCode}:\n{result.Stdout}{result.Stderr}");
    }

    [Fact]
    public async Task TheRulesUnitTestsPass()
    {
        var result = await PromtoolAsync("test", "rules", RuleTests);

        Assert.True(result.ExitCode == 0, $"promtool test rules {RuleTests} exited {result.ExitCode}:\n{result.Stdout}{result.Stderr}");
    }

    [Fact]
    public void EveryMetricTheKitNamesIsOneTheAgentExports()
    {
        var exported = ExportedFamilies();
        foreach (var file in new[] { Rules, RuleTests, Dashboard })
        {
            var named = MetricName().Matches(File.ReadAllText(file)).Select(m => m.Value).Distinct(StringComparer.Ordinal).ToList();
            Assert.NotEmpty(named);
            var unknown = named.Where(n => !exported.ContainsKey(n)).ToList();
            Assert.True(unknown.Count == 0, $"{Path.GetFileName(file)} names metrics the agent does not export: {string.Join(", ", unknown)} (exported: {string.Join(", ", exported.Keys.Order(StringComparer.Ordinal))})");
        }
    }

    [Fact]
    public void TheRuleTestsSeriesHaveTheAgentsLabels()
    {
        var exported = ExportedFamilies();
        var series = TestSeries().Matches(File.ReadAllText(RuleTests));
        Assert.NotEmpty(series);
        foreach (Match s in series)
        {
            var name = s.Groups["name"].Value;
            var labels = LabelName().Matches(s.Groups["labels"].Value).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
            Assert.True(labels.IsSupersetOf(TargetLabels), $"{s.Value}: a scraped series has job and instance");
            labels.ExceptWith(TargetLabels);
            Assert.True(exported[name].SetEquals(labels),
                $"{s.Value}: the agent exports {name} with labels [{string.Join(", ", exported[name].Order(StringComparer.Ordinal))}], the test series has [{string.Join(", ", labels.Order(StringComparer.Ordinal))}]");
        }
    }

    [Fact]
    public void TheDashboardHasPanelsOnADataSourceVariable()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Dashboard));
        var root = json.RootElement;
        var variables = root.GetProperty("templating").GetProperty("list").EnumerateArray().ToList();
        var source = variables.SingleOrDefault(v => v.GetProperty("type").GetString() == "datasource");
        Assert.True(source.ValueKind == JsonValueKind.Object, "the dashboard has no data source variable: an import would bind its panels to a data source uid that is not there");
        Assert.Equal("prometheus", source.GetProperty("query").GetString());
        var uid = "${" + source.GetProperty("name").GetString() + "}";

        var panels = root.GetProperty("panels").EnumerateArray().Where(p => p.GetProperty("type").GetString() != "row").ToList();
        Assert.NotEmpty(panels);
        foreach (var panel in panels)
        {
            var title = panel.GetProperty("title").GetString();
            Assert.Equal(uid, panel.GetProperty("datasource").GetProperty("uid").GetString());
            var targets = panel.GetProperty("targets").EnumerateArray().ToList();
            Assert.True(targets.Count > 0, $"panel \"{title}\" has no query");
            Assert.All(targets, t => Assert.Equal(uid, t.GetProperty("datasource").GetProperty("uid").GetString()));
        }
    }

    /// <summary>
    /// Each family a daemon's registry exports, by name (counters with their _total, as scraped), with its label
    /// names: from a registry that has been through every update, so the labelled families have series.
    /// </summary>
    private static Dictionary<string, HashSet<string>> ExportedFamilies()
    {
        var metrics = new DaemonMetrics(TimeProvider.System, "1.2.3");
        metrics.Succeeded(1, 1, 1, 1);
        metrics.ServedBy("node-a");
        metrics.Failed(FailureStage.Upload);
        metrics.EnableStream(() => true, () => (0, 0)); // a daemon with continuous capture on
        metrics.BundleStored(stored: true); // a daemon with bundle.enabled, after a backup
        metrics.DrillFinished(new DrillReport { BackupId = "x", Mode = "full", Result = "fail", FailedStage = "start", Stages = [new DrillStage("start", 1, false)] });
        var families = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var line in metrics.Render().Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                families[line.Split(' ')[2]] = new HashSet<string>(StringComparer.Ordinal);
            }
            else if (!line.StartsWith('#') && ExportedSeries().Match(line) is { Success: true } sample)
            {
                families[sample.Groups["name"].Value].UnionWith(LabelName().Matches(sample.Groups["labels"].Value).Select(m => m.Groups[1].Value));
            }
        }

        return families;
    }

    private static async Task<ProcessRunner.Result> PromtoolAsync(params string[] args)
    {
        try
        {
            return await ProcessRunner.RunAsync("promtool", args);
        }
        catch (Win32Exception ex)
        {
            Assert.Fail($"cannot run promtool ({ex.Message}): apt-get install --no-install-recommends prometheus (Debian's package ships promtool)");
            throw;
        }
    }

    [GeneratedRegex("etcd_agent_[a-z0-9_]+")]
    private static partial Regex MetricName();

    /// <summary>A series line of a promtool test: <c>series: 'name{label="value",...}'</c>.</summary>
    [GeneratedRegex("""series: '(?<name>etcd_agent_[a-z0-9_]+)(?:\{(?<labels>[^}]*)\})?'""")]
    private static partial Regex TestSeries();

    [GeneratedRegex("""^(?<name>[a-z0-9_]+)(?:\{(?<labels>[^}]*)\})? """)]
    private static partial Regex ExportedSeries();

    /// <summary>A label's name (the values in these series hold no <c>="</c>).</summary>
    [GeneratedRegex("([a-z_]+)=\"")]
    private static partial Regex LabelName();
}

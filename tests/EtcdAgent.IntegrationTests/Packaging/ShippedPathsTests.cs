using System.Text.RegularExpressions;
using EtcdAgent.Configuration;
using EtcdAgent.IntegrationTests.Fixtures;
using Xunit;

namespace EtcdAgent.IntegrationTests.Packaging;

/// <summary>
/// Every directory the shipped config and the examples make the daemon write to is writable under the hardened
/// unit (ProtectSystem=strict): inside StateDirectory= or a ReadWritePaths= entry, or, for a path outside them, the
/// example itself names the drop-in that allows it. The install test cannot show this: systemd is not PID 1 there,
/// so nothing sandboxes the binary it runs.
/// </summary>
public sealed partial class ShippedPathsTests
{
    private static readonly string UnitText = File.ReadAllText(RepoPaths.File("packaging", "systemd", "etcd-agent.service"));

    public static TheoryData<string> Examples()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(RepoPaths.File("packaging", "examples"), "*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void EveryDirectoryTheConfigWritesIsWritableUnderTheUnitOrTheExampleNamesTheDropIn(string example)
    {
        var path = RepoPaths.File("packaging", "examples", example);
        var text = File.ReadAllText(path);
        var options = ConfigLoader.Load(path, _ => null);
        var written = new List<(string Key, string Dir)>
        {
            ("backup.spoolDir", options.Backup.SpoolDir),
            ("schedule.stateDir", options.Schedule.StateDir),
            ("drill.workDir", options.Drill.WorkDir ?? Path.Combine(options.Schedule.StateDir, "drill")),
        };
        if (options.Store.LocalPath is { } store)
        {
            written.Add(("store.local.path", store));
        }

        // Also the commented-out ones: an operator uncomments them as they are.
        foreach (Match match in Textfile().Matches(text))
        {
            written.Add(("metrics.textfile", Path.GetDirectoryName(match.Groups[1].Value)!));
        }

        var writable = WritableUnderTheUnit();
        foreach (var (key, dir) in written)
        {
            var allowed = writable.Any(w => dir == w || dir.StartsWith(w + "/", StringComparison.Ordinal))
                          || text.Contains("ReadWritePaths=" + dir, StringComparison.Ordinal);
            Assert.True(allowed, $"{example}: {key} {dir} is not writable under the unit ({string.Join(", ", writable)}) and the example names no drop-in for it");
        }
    }

    [Fact]
    public void TheShippedConfigNeedsNoDropIn()
    {
        var options = ConfigLoader.Load(RepoPaths.File("packaging", "examples", "config.yaml"), _ => null);
        var writable = WritableUnderTheUnit();

        // The directories postinst creates, because the shipped config names them (Sandbox/PackageLifecycleTests and ShippedConfigTests check it does, under a real systemd).
        Assert.Equal("/var/lib/etcd-agent/backups", options.Store.LocalPath);
        Assert.Equal("/var/lib/etcd-agent/spool", options.Backup.SpoolDir);
        Assert.Equal("/var/lib/etcd-agent", options.Schedule.StateDir);
        Assert.Contains("/var/lib/etcd-agent", writable);
        var postinst = File.ReadAllText(RepoPaths.File("packaging", "deb", "postinst"));
        foreach (var dir in new[] { options.Store.LocalPath!, options.Backup.SpoolDir, options.Schedule.StateDir })
        {
            Assert.Contains(dir, postinst, StringComparison.Ordinal);
        }
    }

    /// <summary>StateDirectory= (under /var/lib), ReadWritePaths= ('-' only means "may be missing") and PrivateTmp's /tmp.</summary>
    private static List<string> WritableUnderTheUnit()
    {
        var settings = UnitText.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && l[0] != '#').ToList();
        var writable = new List<string>();
        foreach (var setting in settings)
        {
            if (setting.StartsWith("StateDirectory=", StringComparison.Ordinal))
            {
                writable.AddRange(setting["StateDirectory=".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(d => "/var/lib/" + d));
            }
            else if (setting.StartsWith("ReadWritePaths=", StringComparison.Ordinal))
            {
                writable.AddRange(setting["ReadWritePaths=".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => p.TrimStart('-')));
            }
            else if (setting == "PrivateTmp=yes")
            {
                writable.AddRange(["/tmp", "/var/tmp"]);
            }
        }

        Assert.Contains("ProtectSystem=strict", settings);
        return writable;
    }

    [GeneratedRegex(@"^\s*#?\s*textfile:\s*(/\S+)", RegexOptions.Multiline)]
    private static partial Regex Textfile();
}

using System.Globalization;
using System.Text.Json;
using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Continuous;
using EtcdAgent.IntegrationTests.Fixtures;
using EtcdAgent.Storage;
using Xunit;
using static EtcdAgent.IntegrationTests.Restore.RestoreHelpers;

namespace EtcdAgent.IntegrationTests.Continuous;

/// <summary>
/// The point-in-time verbs through the published binary, over one captured chain (<see cref="CapturedChain"/>):
/// `backup list` shows the window and a hole, `backup download --at-time` builds the last revision received by then,
/// `restore --at-revision` puts that revision on a member, `drill --at-revision` drills it, and points outside every
/// window or malformed flags are usage errors (exit 2) that say what to pass.
/// </summary>
public sealed class PointInTimeCliTests(CapturedChain fixture) : IClassFixture<CapturedChain>, IDisposable
{
    private readonly TempDir _dir = new("etcd-agent-pitr-cli");

    public void Dispose() => _dir.Dispose();

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A revision in the middle of the chain (not the base, not the last), its segment's second-to-last if it can.</summary>
    private long Middle => fixture.Chain.Path[fixture.Chain.Path.Count / 2].LastRevision - 1;

    [Fact]
    public async Task ListShowsEachChainsWindowAndAHole()
    {
        var chain = fixture.Chain;
        Assert.True(chain.Path.Count >= 3, $"the capture made {chain.Path.Count} segments; the test needs three");
        var json = await AgentBinary.RunAsync("backup", "list", "--store", fixture.StoreDir, "-w", "json");
        Assert.True(json.ExitCode == 0, json.Stderr);
        using (var list = JsonDocument.Parse(json.Stdout))
        {
            var item = list.RootElement[0];
            Assert.Equal(fixture.Base.Id, item.GetProperty("id").GetString());
            var window = item.GetProperty("chain");
            Assert.Equal(chain.Path.Count, window.GetProperty("segments").GetInt32());
            Assert.Equal(fixture.Base.Revision, window.GetProperty("fromRevision").GetInt64());
            Assert.Equal(chain.LastRevision, window.GetProperty("toRevision").GetInt64());
            Assert.Equal(fixture.Base.CreatedAt, window.GetProperty("from").GetDateTimeOffset());
            Assert.Equal(chain.LastReceivedAt, window.GetProperty("to").GetDateTimeOffset());
            Assert.Equal(0, window.GetProperty("gaps").GetArrayLength());
            Assert.Equal(0, window.GetProperty("damagedSegments").GetInt32());
        }

        var table = await AgentBinary.RunAsync("backup", "list", "--store", fixture.StoreDir);
        Assert.True(table.ExitCode == 0, table.Stderr);
        Assert.Contains("POINT IN TIME", table.Stdout, StringComparison.Ordinal);
        Assert.Contains($"{Text(fixture.Base.Revision)}..{Text(chain.LastRevision)}", table.Stdout, StringComparison.Ordinal);
        Assert.Contains(PointInTimeTarget.FormatTime(chain.LastReceivedAt), table.Stdout, StringComparison.Ordinal);

        // A segment's manifest gone from a copy of the store: the window ends before it, the hole is listed and warned about.
        var copy = _dir.File("store-copy");
        CopyTree(fixture.StoreDir, copy);
        var lost = chain.Path[1];
        File.Delete(Path.Combine(copy, SegmentLayout.ManifestKey(fixture.Cluster, fixture.Base.Id, lost.FirstRevision, lost.LastRevision)));
        var holed = await AgentBinary.RunAsync("backup", "list", "--store", copy, "-w", "json");
        Assert.True(holed.ExitCode == 0, holed.Stderr);
        using (var list = JsonDocument.Parse(holed.Stdout))
        {
            var window = list.RootElement[0].GetProperty("chain");
            Assert.Equal(chain.Path[0].LastRevision, window.GetProperty("toRevision").GetInt64());
            Assert.Equal(chain.Path[0].LastReceivedAt, window.GetProperty("to").GetDateTimeOffset());
            var gap = Assert.Single(window.GetProperty("gaps").EnumerateArray());
            Assert.Equal(chain.Path[0].LastRevision + 1, gap.GetProperty("from").GetInt64());
            Assert.Equal(chain.Path[2].FirstRevision - 1, gap.GetProperty("to").GetInt64());
            Assert.Equal(chain.Path.Count - 2, window.GetProperty("strandedSegments").GetInt32());
        }

        Assert.Contains($"hole at revisions {Text(chain.Path[0].LastRevision + 1)}..{Text(chain.Path[2].FirstRevision - 1)}", holed.Stderr, StringComparison.Ordinal);

        // The same hole stops a download past it, with the window there is.
        var past = await AgentBinary.RunAsync("backup", "download", "latest", _dir.File("past.db"), "--at-revision", Text(chain.LastRevision), "--store", copy);
        Assert.Equal(2, past.ExitCode);
        Assert.Contains($"{fixture.Base.Id}: {Text(fixture.Base.Revision)}..{Text(chain.Path[0].LastRevision)} (hole at", past.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AtTimeBuildsTheLastRevisionReceivedByThen()
    {
        // Every revision's receive time as the segments record it; a time equal to one revision's, the next received later.
        var store = new LocalDirectoryStore(fixture.StoreDir);
        var received = new List<RevisionEvents>();
        foreach (var segment in fixture.Chain.Path)
        {
            received.AddRange(await SegmentReader.ReadAsync(store, segment, new Keyring([]), default));
        }

        var pick = received.Where(r => r.Revision >= Middle).First(r => received.Any(n => n.Revision == r.Revision + 1 && n.ReceivedAt > r.ReceivedAt));
        var time = pick.ReceivedAt.ToOffset(TimeSpan.FromHours(1));
        var expected = received.Where(r => r.ReceivedAt <= time).Max(r => r.Revision);
        Assert.Equal(pick.Revision, expected);

        var file = _dir.File("at-time.db");
        var download = await AgentBinary.RunAsync("backup", "download", "latest", file, "--at-time",
            time.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture), "--store", fixture.StoreDir);
        Assert.True(download.ExitCode == 0, download.Stdout + download.Stderr);
        Assert.Contains($"resolves to revision {Text(expected)},", download.Stdout, StringComparison.Ordinal);
        Assert.Contains($"Snapshot at revision {Text(expected)} written to {file}", download.Stdout, StringComparison.Ordinal);
        Assert.Equal(await fixture.StateAtAsync(expected), await ServedSnapshot.KeyValuesAsync(_dir, file));
    }

    [Fact]
    public async Task RestoreAtRevisionPutsThatRevisionOnTheMember()
    {
        // A member of its own, so the fixture's etcd keeps its history for the other tests.
        using var member = ScriptedEtcd.Create(_dir.File("member"), 1)[0];
        await member.StartAsync();
        await member.WaitHealthyAsync(TimeSpan.FromSeconds(30));
        var revision = Middle;

        var restore = await AgentAsync(["restore", "--snapshot", fixture.Base.Id, "--at-revision", Text(revision), "--store", fixture.StoreDir, "--yes",
            .. Explicit(member, _dir.File("state"))], TimeSpan.FromSeconds(180));

        Assert.True(restore.ExitCode == 0, restore.Stdout + restore.Stderr);
        Assert.Contains($"point in time: revision {Text(revision)} of backup {fixture.Base.Id}'s chain", restore.Stdout, StringComparison.Ordinal);
        Assert.Equal(await fixture.StateAtAsync(revision), await ServedSnapshot.AtEndpointAsync(member.ClientUrl));
        Assert.Empty(Directory.EnumerateDirectories(Path.Combine(_dir.File("state"), "restore"), "pitr-*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task DrillAtRevisionDrillsThatPoint()
    {
        var revision = fixture.Chain.LastRevision;
        var drill = await AgentBinary.RunAsync(["drill", "latest", "--at-revision", Text(revision), "--store", fixture.StoreDir, "-w", "json"],
            new Dictionary<string, string?> { ["ETCD_AGENT_DRILL__WORKDIR"] = _dir.Path });

        Assert.True(drill.ExitCode == 0, drill.Stdout + drill.Stderr);
        using var report = JsonDocument.Parse(drill.Stdout);
        Assert.Equal("pass", report.RootElement.GetProperty("result").GetString());
        Assert.Equal("full", report.RootElement.GetProperty("mode").GetString());
        Assert.Equal(revision, report.RootElement.GetProperty("revision").GetInt64());
        Assert.StartsWith($"revision {Text(revision)} of backup {fixture.Base.Id}'s chain", report.RootElement.GetProperty("pointInTime").GetString(), StringComparison.Ordinal);
        Assert.True(report.RootElement.GetProperty("sampledKeys").GetInt32() > 0);
        Assert.Contains("Building revision", drill.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.Path, "drill-*"));
    }

    [Fact]
    public async Task PointsOutsideEveryWindowAndMalformedFlagsAreUsageErrors()
    {
        var chain = fixture.Chain;
        var after = chain.LastReceivedAt.AddHours(1);
        var late = await Download("--at-time", after.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        Assert.Equal(2, late.ExitCode);
        Assert.Contains($"restorable windows: {fixture.Base.Id}: {Text(fixture.Base.Revision)}..{Text(chain.LastRevision)}, received " +
            $"{PointInTimeTarget.FormatTime(fixture.Base.CreatedAt)}..{PointInTimeTarget.FormatTime(chain.LastReceivedAt)}", late.Stderr, StringComparison.Ordinal);

        var early = await Download("--at-time", fixture.Base.CreatedAt.AddDays(-1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        Assert.Equal(2, early.ExitCode);
        Assert.Contains("no backup of cluster", early.Stderr, StringComparison.Ordinal);

        var both = await Download("--at-time", "2026-12-01T21:30:00Z", "--at-revision", Text(chain.LastRevision));
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("pass only one", both.Stderr, StringComparison.Ordinal);

        var malformed = await Download("--at-time", "yesterday 9pm");
        Assert.Equal(2, malformed.ExitCode);
        Assert.Contains("RFC 3339", malformed.Stderr, StringComparison.Ordinal);

        var drill = await AgentBinary.RunAsync("drill", "latest", "--at-time", "21:30", "--store", fixture.StoreDir);
        Assert.Equal(2, drill.ExitCode);
        Assert.Contains("RFC 3339", drill.Stderr, StringComparison.Ordinal);

        var restore = await AgentAsync(["restore", "--snapshot", "latest", "--at-revision", Text(chain.LastRevision), "--at-time", "2026-12-01T21:30:00Z",
            "--store", fixture.StoreDir, "--dry-run"]);
        Assert.Equal(2, restore.ExitCode);
        Assert.Contains("pass only one", restore.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(_dir.Path));
    }

    private Task<ProcessRunner.Result> Download(params string[] flags) =>
        AgentBinary.RunAsync(["backup", "download", "latest", _dir.File("refused.db"), "--store", fixture.StoreDir, .. flags]);

    private static void CopyTree(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}

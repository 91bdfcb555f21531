using System.Diagnostics;
using System.Globalization;
using EtcdAgent.Continuous;
using EtcdAgent.IntegrationTests.Fixtures;
using EtcdAgent.Manifests;
using EtcdAgent.Storage;
using Xunit;

namespace EtcdAgent.IntegrationTests.Continuous;

/// <summary>
/// The daemon's continuous capture, by the published binary against real etcd: the first agent takes the stream lock,
/// asks for the full backup a chain needs, and captures; killed mid-stream, the next agent resumes the chain with no
/// hole; after an outage during which etcd compacted past the chain's end, the next writer reports the gap, takes a
/// full backup at once and starts a new chain — and a restore inside either chain is still exact.
/// </summary>
public sealed class ContinuousDaemonTests : IDisposable
{
    private const string Cluster = "cont";
    private readonly TempDir _dir = new("etcd-agent-continuous");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task AKilledWritersChainIsResumedByTheNextAgentWithoutAHole()
    {
        using var etcd = await EtcdCluster.StartAsync();
        using var client = etcd.Client();
        await client.PutAsync("/before/0", "v");
        var a = AgentProcess.Start(["run", "--config", WriteConfig("a", etcd)]);
        AgentProcess? b = null;
        try
        {
            // No backup yet: the writer asks for one (a chain needs a base) and then captures its chain.
            await a.WaitForOutputAsync("this node (a) is the cluster's writer", TimeSpan.FromSeconds(30));
            await a.WaitForOutputAsync("capturing the chain of backup", TimeSpan.FromSeconds(60));
            b = AgentProcess.Start(["run", "--config", WriteConfig("b", etcd)]);
            await b.WaitForOutputAsync("the stream is written by a", TimeSpan.FromSeconds(30));

            var before = await WriteGenerator.RunAsync(client);
            var baseBackup = await OnlyBackupAsync();
            await WaitForChainAsync(baseBackup, before.Max(w => w.Revision), a, b);

            // Killed while writes go on: what it had not committed is captured again by the next writer, from etcd.
            var during = WriteGenerator.RunAsync(client);
            await Task.Delay(400);
            a.Dispose();
            var after = await during;
            await b.WaitForOutputAsync("this node (b) is the cluster's writer", TimeSpan.FromSeconds(40));
            var last = after.Max(w => w.Revision);
            var chain = await WaitForChainAsync(baseBackup, last, a, b);

            Assert.Empty(chain.Gaps);
            Assert.Empty(chain.Stranded);
            Assert.Equal(baseBackup.Revision + 1, chain.Path[0].FirstRevision);
            Assert.Contains(chain.Path, s => s.Node == "a");
            Assert.Contains(chain.Path, s => s.Node == "b");
            Assert.Single((await CatalogAsync()).Backups); // resumed, not restarted from a new full backup

            // Exact at a revision written while the writer died and at the last one.
            var midOutage = after[after.Count / 2].Revision;
            foreach (var revision in new[] { midOutage, last })
            {
                await AssertExactAsync(etcd, revision, await ServedSnapshot.AtRevisionAsync(etcd, revision));
            }
        }
        finally
        {
            a.Dispose();
            b?.Dispose();
        }
    }

    [Fact]
    public async Task ACompactionDuringTheOutageStartsANewChainReportsTheGapAndBothChainsRestoreExactly()
    {
        using var etcd = await EtcdCluster.StartAsync();
        using var client = etcd.Client();
        var a = AgentProcess.Start(["run", "--config", WriteConfig("a", etcd)]);
        AgentProcess? b = null;
        try
        {
            await a.WaitForOutputAsync("capturing the chain of backup", TimeSpan.FromSeconds(60));
            var first = await WriteGenerator.RunAsync(client);
            var firstBackup = await OnlyBackupAsync();
            var inFirst = first[first.Count / 2].Revision;
            var expectedInFirst = await ServedSnapshot.AtRevisionAsync(etcd, inFirst); // before the compaction removes it
            await WaitForChainAsync(firstBackup, first.Max(w => w.Revision), a);
            a.Dispose();

            // The outage: writes nobody captures, then the compaction a kube-apiserver runs every 5 minutes.
            var lost = await WriteGenerator.RunAsync(client);
            var compactAt = (await client.GetAsync("/")).Header.Revision;
            var compact = await etcd.EtcdctlAsync("compact", compactAt.ToString(CultureInfo.InvariantCulture));
            Assert.True(compact.ExitCode == 0, compact.Stderr);

            b = AgentProcess.Start(["run", "--config", WriteConfig("b", etcd)]);
            await b.WaitForOutputAsync("GAP", TimeSpan.FromSeconds(45));
            var watch = Stopwatch.StartNew();
            BackupManifest? second = null;
            while (second is null && watch.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(250);
                second = (await CatalogAsync()).Backups.FirstOrDefault(x => x.Id != firstBackup.Id);
            }

            Assert.True(second is not null, b.Output);
            Assert.True(second.Revision >= compactAt, $"the new chain's base {second.Revision} is after the compaction at {compactAt}");
            await b.WaitForOutputAsync($"capturing the chain of backup {second.Id}", TimeSpan.FromSeconds(30));
            var third = await WriteGenerator.RunAsync(client);
            var secondChain = await WaitForChainAsync(second, third.Max(w => w.Revision), b);
            Assert.Empty(secondChain.Gaps);

            // The first chain ends before the compaction; the revisions between it and the new base are gone.
            var (firstChain, _) = await SegmentCatalog.LoadAsync(Store(), Cluster, firstBackup, default);
            Assert.True(firstChain.LastRevision < compactAt, $"{firstChain.LastRevision} < {compactAt}");
            var inGap = lost[lost.Count / 2].Revision;
            Assert.InRange(inGap, firstChain.LastRevision + 1, second.Revision - 1);
            var refused = await AgentBinary.RunAsync("backup", "download", "latest", _dir.File("gap.db"), "--at-revision",
                inGap.ToString(CultureInfo.InvariantCulture), "--config", _dir.File("b.yaml"));
            Assert.Equal(2, refused.ExitCode);
            Assert.Contains($"{firstBackup.Id}: {firstBackup.Revision}..{firstChain.LastRevision}", refused.Stderr, StringComparison.Ordinal);

            await AssertExactAsync(etcd, inFirst, expectedInFirst);
            var inSecond = third[third.Count / 2].Revision;
            await AssertExactAsync(etcd, inSecond, await ServedSnapshot.AtRevisionAsync(etcd, inSecond));
        }
        finally
        {
            a.Dispose();
            b?.Dispose();
        }
    }

    [Fact]
    public async Task EveryScheduledFullBackupStartsANewChainThatContinuesWhereTheOldOneReached()
    {
        using var etcd = await EtcdCluster.StartAsync();
        using var client = etcd.Client();
        var a = AgentProcess.Start(["run", "--config", WriteConfig("a", etcd, backupSchedule: "*/6 * * * * ?")]);
        try
        {
            // Writes go on while the schedule takes a backup every 6 s: the writer must switch chains on its own.
            var watch = Stopwatch.StartNew();
            var writes = 0;
            System.Text.RegularExpressions.Match switched;
            do
            {
                await client.PutAsync("/ticking", (writes++).ToString(CultureInfo.InvariantCulture));
                await Task.Delay(100);
                switched = System.Text.RegularExpressions.Regex.Match(a.Output, @"Continuous: backup (?<id>\S+) \(revision (?<rev>\d+)\) starts a new chain");
            }
            while (!switched.Success && watch.Elapsed < TimeSpan.FromSeconds(60));

            Assert.True(switched.Success, a.Output);
            var backups = (await CatalogAsync()).Backups.OrderBy(x => x.Revision).ToList();
            var newer = backups.Single(x => x.Id == switched.Groups["id"].Value);
            var older = backups.Last(x => x.Revision < newer.Revision);
            await a.WaitForOutputAsync($"capturing the chain of backup {newer.Id}", TimeSpan.FromSeconds(30));

            // The new chain starts right after its backup and grows; the old one reached at least the new backup's
            // revision, so the windows touch: no revision between them is unrestorable.
            var last = (await client.PutAsync("/after", "x")).Header.Revision;
            var newChain = await WaitForChainAsync(newer, last, a);
            Assert.Equal(newer.Revision + 1, newChain.Path[0].FirstRevision);
            Assert.Null(newChain.Path[0].Previous);
            var (oldChain, _) = await SegmentCatalog.LoadAsync(Store(), Cluster, older, default);
            Assert.Empty(oldChain.Gaps);
            Assert.True(oldChain.LastRevision >= newer.Revision, $"the old chain ends at {oldChain.LastRevision}, before the new backup at {newer.Revision}:\n{a.Output}");
        }
        finally
        {
            a.Dispose();
        }
    }

    /// <summary>`backup download latest FILE --at-revision R` through the published binary, served by etcd, equals <paramref name="expected"/>.</summary>
    private async Task AssertExactAsync(EtcdCluster etcd, long revision, List<string> expected)
    {
        var file = _dir.File($"at-{revision}.db");
        var download = await AgentBinary.RunAsync("backup", "download", "latest", file, "--at-revision", revision.ToString(CultureInfo.InvariantCulture),
            "--config", _dir.File("b.yaml"));
        Assert.True(download.ExitCode == 0, download.Stderr);
        var status = await etcd.EtcdctlAsync("snapshot", "status", file, "-w", "json");
        Assert.Contains($"\"revision\":{revision},", status.Stdout, StringComparison.Ordinal);
        Assert.NotEmpty(expected);
        Assert.Equal(expected, await ServedSnapshot.KeyValuesAsync(_dir, file));
    }

    private LocalDirectoryStore Store() => new(_dir.File("store"));

    private Task<BackupCatalog> CatalogAsync() => BackupCatalog.LoadAsync(Store(), Cluster, default);

    private async Task<BackupManifest> OnlyBackupAsync()
    {
        var catalog = await CatalogAsync();
        return Assert.Single(catalog.Backups);
    }

    /// <summary>Waits until the chain of <paramref name="baseBackup"/> reaches <paramref name="revision"/> without a hole.</summary>
    private async Task<SegmentChain> WaitForChainAsync(BackupManifest baseBackup, long revision, params AgentProcess[] agents)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var (chain, damaged) = await SegmentCatalog.LoadAsync(Store(), Cluster, baseBackup, default);
            Assert.Empty(damaged);
            if (chain.LastRevision >= revision)
            {
                return chain;
            }

            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(45),
                $"the chain reached {chain.LastRevision}, not {revision}:\n{string.Join("\n---\n", agents.Select(x => x.Output))}");
            await Task.Delay(200);
        }
    }

    private string WriteConfig(string node, EtcdCluster etcd, string backupSchedule = "0 0 0 1 1 ?")
    {
        Directory.CreateDirectory(_dir.File("store"));
        var path = _dir.File($"{node}.yaml");
        File.WriteAllText(path, $"""
            cluster: {Cluster}
            node: {node}
            etcd:
              endpoints: [{etcd.First.ClientUrl.ToString().TrimEnd('/')}]
            store:
              type: local
              local:
                path: {_dir.File("store")}
            backup:
              spoolDir: {_dir.File("spool-" + node)}
            schedule:
              backup: "{backupSchedule}"
              drill: "off"
              leaderDelay: 0s
              stateDir: {_dir.File("state-" + node)}
            continuous:
              enabled: true
              interval: 1s
            metrics:
              address: off
            """);
        return path;
    }
}

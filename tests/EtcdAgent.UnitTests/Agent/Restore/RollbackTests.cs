using EtcdAgent.Restore;
using EtcdAgent.Restore.Topology;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Restore;

/// <summary>
/// Rollback is journaled too: one that fails halfway (the start command failing) is run again and finishes without
/// moving the old data a second time; a half-done rollback cannot be resumed as a restore; and a rollback with the
/// old member gone refuses instead of restarting the restored data as if it were the old one.
/// </summary>
public sealed class RollbackTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("rollback").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task ARollbackThatFailsHalfwayFinishesWhenRunAgainWithTheOldWalInPlace()
    {
        var (journal, store, dirs, member) = Installed();
        var topology = new FlakyTopology(member) { FailStarts = 1 };
        var runner = Runner(store, topology);

        await Assert.ThrowsAsync<RestoreStepException>(() => runner.RollbackAsync(journal, CancellationToken.None));
        var reloaded = store.All().Single();
        Assert.Equal(JournalState.RollingBack, reloaded.State);
        Assert.Equal("old-wal", File.ReadAllText(Path.Combine(member.WalDir!, "0.wal")));
        Assert.Equal(reloaded.Id, store.Unfinished()!.Id); // a new restore is refused meanwhile

        await runner.RollbackAsync(reloaded, CancellationToken.None);

        Assert.Equal(JournalState.RolledBack, store.All().Single().State);
        Assert.Equal("old-db", File.ReadAllText(Path.Combine(dirs.Member, "snap", "db")));
        Assert.Equal("old-wal", File.ReadAllText(Path.Combine(member.WalDir!, "0.wal")));
        Assert.Equal("new-wal", File.ReadAllText(Path.Combine(dirs.WalWork!, "restored-wal", "0.wal")));
        Assert.Equal(2, topology.Starts);
        Assert.Null(store.Unfinished());
    }

    [Fact]
    public async Task WithTheOldMemberGoneRollbackRefusesAndChangesNothing()
    {
        var (journal, store, dirs, member) = Installed();
        Directory.Delete(dirs.OldMember, recursive: true); // the operator removed the work dir after a good restore
        var topology = new FlakyTopology(member);

        var error = await Assert.ThrowsAsync<RestoreStepException>(() => Runner(store, topology).RollbackAsync(journal, CancellationToken.None));

        Assert.Contains("nothing to roll back to", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, topology.Stops);
        Assert.Equal("new-db", File.ReadAllText(Path.Combine(dirs.Member, "snap", "db")));
    }

    [Fact]
    public async Task ANewNodesRestoreRollsBackToAnEmptyDataDir()
    {
        var (journal, store, dirs, member) = Installed(hadOldMember: false);
        await Runner(store, new FlakyTopology(member)).RollbackAsync(journal, CancellationToken.None);
        Assert.False(Directory.Exists(dirs.Member));
        Assert.True(Directory.Exists(Path.Combine(dirs.Work, "restored-member")));
    }

    private static RestoreRunner Runner(JournalStore store, IRestoreTopology topology) =>
        new(store, topology, _ => throw new InvalidOperationException("no etcd in this test"), TextWriter.Null, TimeProvider.System,
            new RestoreTimeouts(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2)));

    /// <summary>A restore journaled up to and including Install: old data aside, restored data in place.</summary>
    private (RestoreJournal Journal, JournalStore Store, DataDirs Dirs, MemberConfig Member) Installed(bool hadOldMember = true)
    {
        var member = JournalSamples.Member(_root) with { WalDir = Path.Combine(_root, "wal") };
        if (hadOldMember)
        {
            Write(Path.Combine(member.DataDir, "member", "snap", "db"), "old-db");
            Write(Path.Combine(member.WalDir, "0.wal"), "old-wal");
        }

        Directory.CreateDirectory(member.DataDir);
        Directory.CreateDirectory(member.WalDir);
        var dirs = new DataDirs(member, "r1");
        dirs.PrepareStaging();
        Write(Path.Combine(dirs.Staged, "member", "snap", "db"), "new-db");
        Write(Path.Combine(dirs.StagedWal!, "0.wal"), "new-wal");
        dirs.MoveAside();
        dirs.Install();
        var journal = JournalSamples.Journal(_root, new TopologySpec("explicit", null, null, null, null)) with { Member = member, HadOldMember = hadOldMember };
        foreach (var step in journal.Steps.TakeWhile(s => s.Name != RestoreSteps.StartGate))
        {
            step.Status = StepStatus.Done;
        }

        var store = new JournalStore(Path.Combine(_root, "state"));
        store.Save(journal);
        return (journal, store, dirs, member);
    }

    private static void Write(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private sealed class FlakyTopology(MemberConfig member) : IRestoreTopology
    {
        public int FailStarts { get; init; }

        public int Starts { get; private set; }

        public int Stops { get; private set; }

        public string Kind => "explicit";

        public MemberConfig Member => member;

        public TopologySpec Spec => new("explicit", null, null, null, null);

        public bool ManagesApiServer => false;

        public string StopText => "stop";

        public string StartText => "start";

        public Task StopApiServerAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartApiServerAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopEtcdAsync(CancellationToken cancellationToken)
        {
            Stops++;
            return Task.CompletedTask;
        }

        public Task StartEtcdAsync(CancellationToken cancellationToken) =>
            ++Starts <= FailStarts ? throw new RestoreStepException("start command failed") : Task.CompletedTask;
    }
}

using System.Diagnostics;
using EtcdAgent.Configuration;
using EtcdAgent.Restore;
using EtcdAgent.Restore.Topology;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Restore;

/// <summary>
/// Issue 16 item 2's pieces: flags given to --resume/--rollback over the journal, "demonstrably down" (closed ports
/// and no process holding the data dir), a failed stop that counts as done only then, and what --abandon lists.
/// </summary>
public sealed class WayOutTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("wayout").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void StopAndStartCommandsGivenNowReplaceTheJournalsAndAreRecorded()
    {
        var journal = Journal(new TopologySpec("explicit", null, null, "kill 4242", "sh start.sh"));

        var notes = new ReplayOverrides("sh stop.sh", null, "m1", Member().DataDir + "/", null).ApplyTo(journal);

        Assert.Equal("sh stop.sh", journal.Topology.StopCommand);
        Assert.Equal("sh start.sh", journal.Topology.StartCommand);
        Assert.Equal(["Using --stop-command sh stop.sh (the journal had kill 4242)"], notes);
    }

    [Fact]
    public void ADataDirOrNameOtherThanTheJournalsIsRefused()
    {
        var journal = Journal(new TopologySpec("explicit", null, null, null, null));

        var dataDir = Assert.Throws<ConfigurationException>(() => new ReplayOverrides(null, null, null, "/var/lib/etcd/default", null).ApplyTo(journal));
        Assert.Contains("Drop --data-dir", dataDir.Message, StringComparison.Ordinal);
        Assert.Throws<ConfigurationException>(() => new ReplayOverrides(null, null, "other", null, null).ApplyTo(journal));
        var kubeadm = Journal(new TopologySpec("kubeadm", "/m", "/a", null, null));
        Assert.Throws<ConfigurationException>(() => new ReplayOverrides("true", null, null, null, null).ApplyTo(kubeadm));
    }

    [Fact]
    public async Task AProcessWorkingInTheDataDirIsFoundAndKeepsTheMemberUp()
    {
        var member = Member();
        Directory.CreateDirectory(member.DataDir);
        using (var holder = Process.Start(new ProcessStartInfo("sleep", "30") { WorkingDirectory = member.DataDir })!)
        {
            try
            {
                var (holders, _) = DataDirHolders.Find([member.DataDir]);
                Assert.Contains(holders, h => h.Contains($"(pid {holder.Id})", StringComparison.Ordinal) && h.Contains(member.DataDir, StringComparison.Ordinal));

                var failing = new StopTopology(member, fails: true);
                var error = await Assert.ThrowsAsync<RestoreStepException>(() => EtcdStop.RunAsync(failing, TextWriter.Null, rollingBack: true, CancellationToken.None));
                Assert.Contains("etcd is not down", error.Message, StringComparison.Ordinal);
                Assert.Contains("sleep", error.Message, StringComparison.Ordinal);
                Assert.Contains("--stop-command", error.Message, StringComparison.Ordinal);
                Assert.Contains("--abandon", error.Message, StringComparison.Ordinal);
            }
            finally
            {
                holder.Kill();
                await holder.WaitForExitAsync();
            }
        }

        Assert.DoesNotContain(DataDirHolders.Find([member.DataDir]).Holders, h => h.Contains(member.DataDir, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AFailedStopOfAMemberThatIsDownCountsAsDoneAndSaysSo()
    {
        var member = Member();
        Directory.CreateDirectory(member.DataDir);
        var output = new StringWriter();

        await EtcdStop.RunAsync(new StopTopology(member, fails: true), output, rollingBack: false, CancellationToken.None);

        Assert.Contains("the stop failed (no such process)", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("counted as stopped", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AbandonListsWhatStaysWhere()
    {
        var member = Member();
        var journal = Journal(new TopologySpec("explicit", null, null, null, null));
        var dirs = new DataDirs(member, journal.Id);
        Directory.CreateDirectory(Path.Combine(dirs.OldMember, "snap"));
        Directory.CreateDirectory(dirs.Member);
        journal.Step(RestoreSteps.MoveAside).Status = StepStatus.Done;
        journal.Step(RestoreSteps.Install).Status = StepStatus.Done;
        var store = new JournalStore(Path.Combine(_root, "state"));
        store.Save(journal);

        var lines = await JournalAbandon.WhatStaysWhereAsync(journal, store, CancellationToken.None);
        JournalAbandon.Mark(journal, store, TimeProvider.System);

        Assert.Contains(lines, l => l.StartsWith(dirs.Member + ": the restored member", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith(dirs.OldMember + ": the old member", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("journal.json: this journal, kept", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("etcd: not running", StringComparison.Ordinal));
        Assert.Equal(JournalState.Abandoned, store.All().Single().State);
        Assert.Null(store.Unfinished());
        Assert.True(Directory.Exists(dirs.OldMember));
    }

    [Fact]
    public void ADamagedJournalSaysHowToGetPastIt()
    {
        var store = new JournalStore(Path.Combine(_root, "state"));
        Directory.CreateDirectory(store.WorkDir("r9"));
        File.WriteAllText(Path.Combine(store.WorkDir("r9"), "journal.json"), "{ not json");

        var error = Assert.Throws<InvalidDataException>(() => store.Unfinished());

        Assert.Contains($"move its directory out of {store.Root}", error.Message, StringComparison.Ordinal);
    }

    private MemberConfig Member() => JournalSamples.Member(_root);

    private RestoreJournal Journal(TopologySpec topology) => JournalSamples.Journal(_root, topology);

    /// <summary>A topology whose stop command fails like a stale `kill PID`.</summary>
    private sealed class StopTopology(MemberConfig member, bool fails) : IRestoreTopology
    {
        public string Kind => "explicit";

        public MemberConfig Member => member;

        public TopologySpec Spec => new("explicit", null, null, "kill 4242", null);

        public bool ManagesApiServer => false;

        public string StopText => "run: kill 4242";

        public string StartText => "start";

        public Task StopApiServerAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartApiServerAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopEtcdAsync(CancellationToken cancellationToken) =>
            fails ? throw new RestoreStepException("no such process") : Task.CompletedTask;

        public Task StartEtcdAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

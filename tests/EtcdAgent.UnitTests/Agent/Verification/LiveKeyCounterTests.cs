using EtcdAgent.Verification;
using EtcdAgent.Verification.Bbolt;
using Microsoft.Win32.SafeHandles;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Verification;

public sealed class LiveKeyCounterTests
{
    [Theory]
    [InlineData(1, 2000)]
    [InlineData(3, 2000)]
    [InlineData(64, 5000)]
    [InlineData(100_000, 5000)]
    public void CountEqualsASetOfEveryLiveKeyWhateverTheRunSize(int runEntries, int operations)
    {
        // Puts and deletes over a small key space, so keys die, come back and span many runs.
        var random = new Random(runEntries * 7919);
        var model = new HashSet<ulong>();
        using var counter = new LiveKeyCounter(runEntries);
        for (var i = 0; i < operations; i++)
        {
            var key = Fnv1a64.Hash(BitConverter.GetBytes(random.Next(300)));
            var live = random.Next(3) != 0;
            counter.Record(key, live);
            if (live)
            {
                model.Add(key >> 1);
            }
            else
            {
                model.Remove(key >> 1);
            }
        }

        Assert.Equal(model.Count, counter.Count());
        Assert.Equal(model.Count, counter.Count()); // counted once, the same answer again
        if (runEntries < 300)
        {
            Assert.True(counter.SpilledRuns > 1, $"only {counter.SpilledRuns} runs spilled");
        }
        else
        {
            Assert.Equal(0, counter.SpilledRuns);
        }
    }

    [Fact]
    public void AKeyDeletedInALaterRunIsNotCountedAndOnePutBackIs()
    {
        using var counter = new LiveKeyCounter(runEntries: 2);
        counter.Record(10, live: true);
        counter.Record(20, live: true); // run 1: 10, 20 live
        counter.Record(10, live: false);
        counter.Record(30, live: true); // run 2: 10 dead, 30 live
        counter.Record(20, live: false);
        counter.Record(20, live: true); // in memory: 20 live again

        Assert.Equal(2, counter.Count()); // 20 and 30; 10 stays dead
        Assert.Equal(2, counter.SpilledRuns);
    }

    [Fact]
    public void WithoutAWritableTemporaryDirectoryTheCountStaysExactInMemory()
    {
        var missing = Path.Combine(Path.GetTempPath(), "etcd-agent-no-such-dir-" + Guid.NewGuid().ToString("N"));
        using var counter = new LiveKeyCounter(runEntries: 4, spillDirectory: missing);
        for (ulong key = 0; key < 100; key++)
        {
            counter.Record(key << 1, live: key % 4 != 0);
        }

        Assert.Equal(75, counter.Count());
        Assert.Equal(0, counter.SpilledRuns);
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public void TheSpillFileIsUnlinkedAtOnce()
    {
        var dir = Directory.CreateTempSubdirectory("etcd-agent-spill-").FullName;
        try
        {
            using var counter = new LiveKeyCounter(runEntries: 2, spillDirectory: dir);
            for (ulong key = 0; key < 10; key++)
            {
                counter.Record(key << 1, live: true);
            }

            Assert.True(counter.SpilledRuns >= 4);
            Assert.Empty(Directory.EnumerateFileSystemEntries(dir));
            Assert.Equal(10, counter.Count());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ARealSnapshotWalkedWithTinyRunsCountsWhatEtcdctlSaw()
    {
        // valid-small.db: 52 live keys after 73 revisions (etcd 3.6's count, Fixtures/README.md); runs of 4 keys.
        using SafeFileHandle handle = File.OpenHandle(SnapshotFixture.FixturePath("valid-small.db"));
        var file = BboltFile.Open(handle, RandomAccess.GetLength(handle));
        using var collector = new SnapshotContentCollector(checkContent: true, liveKeyRun: 4);
        new BboltWalker(file).Walk(collector);

        Assert.Equal(52, collector.ToStatus(file.TotalSize).LiveKeys);
    }
}

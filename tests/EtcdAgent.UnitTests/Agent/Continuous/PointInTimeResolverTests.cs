using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Configuration;
using EtcdAgent.Continuous;
using EtcdAgent.Manifests;
using EtcdAgent.UnitTests.Agent.Storage;
using Google.Protobuf;
using Mvccpb;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Continuous;

/// <summary>
/// Which chain and revision a point resolves to, over two backups with real segments in a store: latest is the
/// newest chain that holds the point, a time is the last revision received by then, anything else a usage error
/// that lists the windows.
/// </summary>
public sealed class PointInTimeResolverTests : IDisposable
{
    private static readonly DateTimeOffset Day = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    // Backup one at revision 100 (10:00:00), its chain 101..130, revision r received at 10:00:00 + (r - 100) * 100 ms;
    // backup two at revision 200 (10:01:00), its chain 201..210 received likewise from 10:01:00.
    private readonly BackupManifest _first = ChainSamples.Backup(Day, 100);
    private readonly BackupManifest _second = ChainSamples.Backup(Day.AddMinutes(1), 200);
    private readonly InMemoryStore _store = new(TimeProvider.System);
    private readonly List<string> _warnings = [];

    public void Dispose() => _store.Dispose();

    private static DateTimeOffset Received(BackupManifest backup, long revision) => backup.CreatedAt.AddMilliseconds((revision - backup.Revision) * 100);

    private async Task StoreChainsAsync()
    {
        foreach (var (backup, ranges) in new[] { (_first, new[] { (101L, 115L), (116L, 130L) }), (_second, new[] { (201L, 210L) }) })
        {
            await _store.PutAsync(BackupLayout.ManifestKey(ChainSamples.Cluster, backup.Id), backup.ToJson(), default);
            var writer = new SegmentWriter(ChainSamples.Cluster, "cp1", CompressionKind.Zstd, 1, key: null, _store);
            string? previous = null;
            foreach (var (first, last) in ranges)
            {
                var revisions = Enumerable.Range((int)first, (int)(last - first + 1)).Select(r => new RevisionEvents(r, Received(backup, r),
                [
                    new Event { Type = Event.Types.EventType.Put, Kv = new KeyValue { Key = ByteString.CopyFromUtf8("/k"), CreateRevision = first, ModRevision = r, Version = r - first + 1 } },
                ])).ToList();
                await writer.WriteAsync(backup.Id, backup.Revision, revisions, previous, default);
                previous = SegmentLayout.Name(first, last);
            }
        }
    }

    private Task<PointInTimeSource> ResolveAsync(string idOrLatest, PointInTimeTarget target) =>
        PointInTimeResolver.ResolveAsync(_store, ChainSamples.Cluster, idOrLatest, target, new Keyring([]), _warnings.Add, default);

    [Fact]
    public async Task LatestIsTheNewestChainThatHoldsTheRevision()
    {
        await StoreChainsAsync();
        var older = await ResolveAsync("latest", PointInTimeTarget.AtRevision(120));
        Assert.Equal(_first.Id, older.Base.Id);
        Assert.Equal(2, older.SegmentCount);
        Assert.Null(older.ReceivedAt); // inside a segment: only its payload knows

        var newer = await ResolveAsync("latest", PointInTimeTarget.AtRevision(210));
        Assert.Equal(_second.Id, newer.Base.Id);
        Assert.Equal(Received(_second, 210), newer.ReceivedAt);
        Assert.Empty(_warnings);
    }

    [Fact]
    public async Task ATimeResolvesToTheLastRevisionReceivedByThen()
    {
        await StoreChainsAsync();
        var point = await ResolveAsync("latest", PointInTimeTarget.AtTime(Received(_first, 123).AddMilliseconds(50)));
        Assert.Equal(_first.Id, point.Base.Id);
        Assert.Equal(123, point.Revision);
        Assert.Equal(Received(_first, 123), point.ReceivedAt);
        Assert.Equal(Received(_first, 123).AddMilliseconds(50), point.AskedTime);

        Assert.Equal(205, (await ResolveAsync("latest", PointInTimeTarget.AtTime(Received(_second, 205)))).Revision);
        Assert.Equal(100, (await ResolveAsync(_first.Id, PointInTimeTarget.AtTime(Day))).Revision);
    }

    [Fact]
    public async Task PointsOutsideEveryWindowListTheWindows()
    {
        await StoreChainsAsync();

        // Between the first chain's last write and the second backup: neither chain knows what happened then.
        var between = await Assert.ThrowsAsync<ConfigurationException>(() => ResolveAsync("latest", PointInTimeTarget.AtTime(Received(_first, 130).AddSeconds(1))));
        Assert.Contains($"{_first.Id}: 100..130, received {PointInTimeTarget.FormatTime(Day)}..{PointInTimeTarget.FormatTime(Received(_first, 130))}",
            between.Message, StringComparison.Ordinal);

        var beyond = await Assert.ThrowsAsync<ConfigurationException>(() => ResolveAsync("latest", PointInTimeTarget.AtRevision(211)));
        Assert.Contains($"{_second.Id}: 200..210", beyond.Message, StringComparison.Ordinal);
        Assert.Contains($"{_first.Id}: 100..130", beyond.Message, StringComparison.Ordinal);

        var before = await Assert.ThrowsAsync<ConfigurationException>(() => ResolveAsync("latest", PointInTimeTarget.AtTime(Day.AddHours(-1))));
        Assert.Contains("no backup of cluster 'prod' is at or before time", before.Message, StringComparison.Ordinal);

        var notThisOne = await Assert.ThrowsAsync<ConfigurationException>(() => ResolveAsync(_first.Id, PointInTimeTarget.AtRevision(205)));
        Assert.Contains($"restorable windows: {_first.Id}: 100..130", notThisOne.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AHoleEndsTheWindowAndDamagedManifestsAreWarnedAbout()
    {
        await StoreChainsAsync();
        var lost = SegmentLayout.ManifestKey(ChainSamples.Cluster, _first.Id, 101, 115);
        _store.Objects[lost] = ("{}"u8.ToArray(), Day);

        var error = await Assert.ThrowsAsync<ConfigurationException>(() => ResolveAsync(_first.Id, PointInTimeTarget.AtRevision(120)));
        Assert.Contains($"{_first.Id}: 100..100 (hole at 101..115)", error.Message, StringComparison.Ordinal);
        Assert.Contains(_warnings, w => w.Contains(lost, StringComparison.Ordinal));
    }
}

using EtcdAgent.IntegrationTests.Fixtures;
using Etcdserverpb;
using Google.Protobuf;
using Xunit;

namespace EtcdAgent.IntegrationTests.Protocol;

/// <summary>Watch through the facade (continuous backup builds on it): history from a revision, then live events.</summary>
public sealed class WatchTests(SingleEtcdFixture fixture) : IClassFixture<SingleEtcdFixture>
{
    [Fact]
    public async Task WatchFromARevisionReplaysHistoryThenDeliversLiveEvents()
    {
        var prefix = $"/watch/{Guid.NewGuid():N}/";
        using var client = fixture.Cluster.Client();
        var first = await client.PutAsync(prefix + "a", "1");
        await client.PutAsync(prefix + "b", "2");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var create = new WatchCreateRequest
        {
            Key = ByteString.CopyFromUtf8(prefix),
            RangeEnd = ByteString.CopyFromUtf8(prefix[..^1] + "0"),
            StartRevision = first.Header.Revision,
        };
        var seen = new List<(string Key, long Revision)>();
        var created = false;

        await foreach (var response in client.WatchAsync(fixture.Cluster.First.ClientUrl, create, cts.Token))
        {
            if (response.Created)
            {
                created = true;
                await client.PutAsync(prefix + "c", "3", cts.Token);
            }

            seen.AddRange(response.Events.Select(e => (e.Kv.Key.ToStringUtf8(), e.Kv.ModRevision)));
            if (seen.Count >= 3)
            {
                break;
            }
        }

        Assert.True(created);
        Assert.Equal([prefix + "a", prefix + "b", prefix + "c"], seen.Select(s => s.Key));
        Assert.Equal(first.Header.Revision, seen[0].Revision);
        Assert.Equal([seen[0].Revision + 1, seen[0].Revision + 2], seen.Skip(1).Select(s => s.Revision));
    }

    [Fact]
    public async Task WatchFromACompactedRevisionIsCancelledWithTheCompactRevision()
    {
        using var client = fixture.Cluster.Client();
        var key = $"/watch-compacted/{Guid.NewGuid():N}";
        var put = await client.PutAsync(key, "1");
        await client.PutAsync(key, "2");
        var result = await fixture.Cluster.EtcdctlAsync("compact", (put.Header.Revision + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0, result.ExitCode);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        WatchResponse? cancelled = null;

        await foreach (var response in client.WatchAsync(fixture.Cluster.First.ClientUrl,
                           new WatchCreateRequest { Key = ByteString.CopyFromUtf8(key), StartRevision = put.Header.Revision }, cts.Token))
        {
            if (response.Canceled)
            {
                cancelled = response;
                break;
            }
        }

        Assert.NotNull(cancelled);
        Assert.Equal(put.Header.Revision + 1, cancelled.CompactRevision);
    }
}

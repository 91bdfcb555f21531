using System.Diagnostics;
using EtcdAgent.IntegrationTests.Fixtures;
using Google.Protobuf;
using Xunit;

namespace EtcdAgent.IntegrationTests.Scheduling;

/// <summary>The lock holder dies mid-backup: its lease expires and a later tick is served by another agent.</summary>
public sealed class LockFailoverTests : IAsyncLifetime, IDisposable
{
    private readonly TempDir _dir = new("etcd-agent-failover");
    private EtcdCluster _cluster = null!;
    private S3rverNode _s3 = null!;

    public async Task InitializeAsync()
    {
        _cluster = await EtcdCluster.StartAsync(members: 3);
        _s3 = await S3rverNode.StartAsync(_dir);
        using var client = _cluster.Client(commandTimeout: TimeSpan.FromSeconds(30));
        var value = new byte[512 * 1024];
        for (var i = 0; i < 24; i++)
        {
            Random.Shared.NextBytes(value);
            await client.PutAsync(new Etcdserverpb.PutRequest { Key = ByteString.CopyFromUtf8($"/registry/big/{i:D3}"), Value = ByteString.CopyFrom(value) });
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task AKilledHoldersTickIsServedByAnotherAgentLater()
    {
        // ~12 MB incompressible at 2 MiB/s: each backup takes ~6 s, long enough to kill its agent in the middle.
        var agents = _cluster.Nodes.Select((node, i) => AgentProcess.Start(["run", "--config", WriteConfig($"agent{i}", node.ClientUrl)], S3rverNode.Environment)).ToList();
        try
        {
            var watch = Stopwatch.StartNew();
            AgentProcess? holder = null;
            while (holder is null && watch.Elapsed < TimeSpan.FromSeconds(30))
            {
                holder = agents.FirstOrDefault(a => a.Output.Contains("snapshot of", StringComparison.Ordinal));
                await Task.Delay(100);
            }

            Assert.NotNull(holder);
            await Task.Delay(1000);
            holder.Dispose(); // SIGKILL mid-backup: no release, the lease must expire
            var others = agents.Where(a => a != holder).ToList();
            watch.Restart();
            while (!others.Any(a => a.Output.Contains(": backup ", StringComparison.Ordinal) && a.Output.Contains(" stored", StringComparison.Ordinal))
                   && watch.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(250);
            }

            Assert.True(others.Any(a => a.Output.Contains("Tick", StringComparison.Ordinal) && a.Output.Contains(" stored", StringComparison.Ordinal)),
                string.Join("\n---\n", agents.Select(a => a.Output)));
        }
        finally
        {
            agents.ForEach(a => a.Dispose());
        }
    }

    public void Dispose()
    {
        _cluster?.Dispose();
        _s3?.Dispose();
        _dir.Dispose();
    }

    private string WriteConfig(string node, Uri endpoint)
    {
        var path = _dir.File($"{node}.yaml");
        File.WriteAllText(path, $"""
            cluster: failover
            node: {node}
            etcd:
              endpoints: [{endpoint.ToString().TrimEnd('/')}]
            {_s3.StoreYaml("failover")}
                bandwidthLimit: 2MiB
            backup:
              compression: none
              spoolDir: {_dir.File("spool-" + node)}
            schedule:
              backup: "*/10 * * * * ?"
              leaderDelay: 0s
              stateDir: {_dir.File("state-" + node)}
            metrics:
              address: off
            """);
        return path;
    }
}

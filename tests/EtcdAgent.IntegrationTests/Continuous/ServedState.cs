using System.Text.Json;
using EtcdAgent.Drill;
using EtcdAgent.IntegrationTests.Fixtures;
using Xunit;

namespace EtcdAgent.IntegrationTests.Continuous;

/// <summary>
/// What a point-in-time test compares: every key with its value, create and mod revision, version and lease, as
/// `etcdctl get "" --prefix -w json` prints them — of the original member at a revision, or of a snapshot served.
/// </summary>
internal static class ServedState
{
    /// <summary>What etcd serves from a snapshot: restored with etcdctl into a scratch dir under <paramref name="dir"/> and started on free ports.</summary>
    public static async Task<List<string>> OfSnapshotAsync(TempDir dir, string snapshot)
    {
        var dataDir = dir.File($"served-{Path.GetFileNameWithoutExtension(snapshot)}");
        var peer = new Uri($"http://127.0.0.1:{ThrowawayEtcd.FreePort()}");
        var restore = await ProcessRunner.RunAsync("etcdctl",
            ["snapshot", "restore", snapshot, "--data-dir", dataDir, "--name", "check", "--initial-cluster", $"check={peer.ToString().TrimEnd('/')}",
             "--initial-advertise-peer-urls", peer.ToString().TrimEnd('/')], new Dictionary<string, string?> { ["ETCDCTL_API"] = "3" });
        Assert.True(restore.ExitCode == 0, restore.Stderr);
        var port = ThrowawayEtcd.FreePort();
        using var served = ThrowawayEtcd.Start("etcd", dataDir, "check", peer, port, "check-token");
        using var client = new EtcdAgent.Protocol.Etcd.EtcdClient(new EtcdAgent.Protocol.Etcd.EtcdClientOptions { Endpoints = [new Uri($"http://127.0.0.1:{port}")] });
        await DrillRunner.WaitHealthyAsync(client, served, default);
        return await OfEndpointAsync($"http://127.0.0.1:{port}");
    }

    /// <summary>What the member at <paramref name="endpoint"/> serves now.</summary>
    public static Task<List<string>> OfEndpointAsync(string endpoint) =>
        KeyValuesAsync(ProcessRunner.RunAsync("etcdctl", ["--endpoints", endpoint, "get", "", "--prefix", "-w", "json"],
            new Dictionary<string, string?> { ["ETCDCTL_API"] = "3" }));

    public static async Task<List<string>> KeyValuesAsync(Task<ProcessRunner.Result> get)
    {
        var result = await get;
        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        if (!json.RootElement.TryGetProperty("kvs", out var kvs))
        {
            return [];
        }

        // The agent's own lock keys are the cluster's too; they are compared like any other key.
        return kvs.EnumerateArray().Select(kv => string.Join('|',
            kv.GetProperty("key").GetString(), kv.GetProperty("value").GetString(),
            kv.GetProperty("create_revision").GetInt64(), kv.GetProperty("mod_revision").GetInt64(), kv.GetProperty("version").GetInt64(),
            kv.TryGetProperty("lease", out var lease) ? lease.GetInt64() : 0)).ToList();
    }
}

using System.Globalization;
using System.Text.Json;
using EtcdAgent.Drill;
using EtcdAgent.IntegrationTests.Fixtures;
using Xunit;

namespace EtcdAgent.IntegrationTests.Continuous;

/// <summary>
/// The comparison every point-in-time test makes: what etcd serves from a built snapshot against what the original
/// cluster returns for <c>etcdctl get "" --prefix --rev=R</c>, key by key with values, create and mod revisions,
/// versions and leases.
/// </summary>
internal static class ServedSnapshot
{
    private static readonly Dictionary<string, string?> V3 = new() { ["ETCDCTL_API"] = "3" };

    /// <summary>The original cluster's keys at <paramref name="revision"/>.</summary>
    public static Task<List<string>> AtRevisionAsync(EtcdCluster etcd, long revision) =>
        KeyValuesAsync(etcd.EtcdctlAsync("get", "", "--prefix", "--rev", revision.ToString(CultureInfo.InvariantCulture), "-w", "json"));

    /// <summary>What etcd serves from a snapshot: restored with etcdctl into a scratch dir and started on free ports.</summary>
    public static async Task<List<string>> KeyValuesAsync(TempDir dir, string snapshot)
    {
        var dataDir = dir.File($"served-{Path.GetFileNameWithoutExtension(snapshot)}");
        var peer = new Uri($"http://127.0.0.1:{ThrowawayEtcd.FreePort()}");
        var restore = await ProcessRunner.RunAsync("etcdctl",
            ["snapshot", "restore", snapshot, "--data-dir", dataDir, "--name", "check", "--initial-cluster", $"check={peer.ToString().TrimEnd('/')}",
             "--initial-advertise-peer-urls", peer.ToString().TrimEnd('/')], V3);
        Assert.True(restore.ExitCode == 0, restore.Stderr);
        var port = ThrowawayEtcd.FreePort();
        using var served = ThrowawayEtcd.Start("etcd", dataDir, "check", peer, port, "check-token");
        using var client = new EtcdAgent.Protocol.Etcd.EtcdClient(new EtcdAgent.Protocol.Etcd.EtcdClientOptions { Endpoints = [new Uri($"http://127.0.0.1:{port}")] });
        await DrillRunner.WaitHealthyAsync(client, served, default);
        return await AtEndpointAsync($"http://127.0.0.1:{port}");
    }

    /// <summary>What the member at <paramref name="endpoint"/> serves now (a member a restore put a snapshot on).</summary>
    public static Task<List<string>> AtEndpointAsync(string endpoint) =>
        KeyValuesAsync(ProcessRunner.RunAsync("etcdctl", ["--endpoints", endpoint, "get", "", "--prefix", "-w", "json"], V3));

    /// <summary>An <c>etcdctl get -w json</c> as one line per key.</summary>
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

using System.Text.Json;
using EtcdAgent.Configuration;
using EtcdAgent.IntegrationTests.Fixtures;
using EtcdAgent.Manifests;
using EtcdAgent.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace EtcdAgent.IntegrationTests.Storage;

/// <summary>
/// A colleague with write access edits the oldest backup's manifest so that its stored object is the newest
/// backup's payload (size and sha256 copied too). Through the built binary, against real etcd and both real stores:
/// the edited backup is listed as damaged, download/verify/drill refuse it with exit 6, and prune never deletes the
/// newest backup's payload.
/// </summary>
public sealed class HostileManifestTests(EtcdAndS3Fixture fixture) : IClassFixture<EtcdAndS3Fixture>, IDisposable
{
    private readonly TempDir _dir = new();

    [Theory]
    [InlineData("s3", "")]
    [InlineData("local", "")]
    [InlineData("local", "../")]
    public async Task AManifestNamingAnotherBackupsPayloadIsDamagedRefusedAndNeverPrunesIt(string storeKind, string dotDot)
    {
        var prefix = $"hostile-{storeKind}-{dotDot.Length}";
        var config = WriteConfig(storeKind, prefix);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            using (var client = fixture.Cluster.Client())
            {
                await client.PutAsync($"/registry/hostile/{prefix}/{i}", "v");
            }

            var create = await Agent("backup", "create", "--config", config, "-w", "json");
            Assert.True(create.ExitCode == 0, create.Stderr);
            using var created = JsonDocument.Parse(create.Stdout);
            ids.Add(created.RootElement.GetProperty("id").GetString()!);
        }

        var options = ConfigLoader.Load(config, Lookup);
        using var store = StoreFactory.Create(options.Store, NullLoggerFactory.Instance, TimeProvider.System);
        var newest = await BackupCatalog.ReadAsync(store, BackupLayout.ManifestKey("test", ids[2]), default);
        var oldest = await BackupCatalog.ReadAsync(store, BackupLayout.ManifestKey("test", ids[0]), default);
        var victim = dotDot.Length == 0 ? newest.Stored.Key : newest.Stored.Key.Replace($"test/{ids[2]}/", $"test/{ids[0]}/../{ids[2]}/", StringComparison.Ordinal);
        await store.DeleteAsync(BackupLayout.ManifestKey("test", ids[0]), default);
        await store.PutAsync(BackupLayout.ManifestKey("test", ids[0]), (oldest with { Stored = newest.Stored with { Key = victim } }).ToJson(), default);

        var output = _dir.File($"{prefix}.db");
        var download = await Agent("backup", "download", ids[0], output, "--config", config);
        Assert.True(download.ExitCode == 6, download.Stderr);
        Assert.Contains($"backup {ids[0]} is damaged", download.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
        var verify = await Agent("backup", "verify", ids[0], "--config", config);
        Assert.True(verify.ExitCode == 6, verify.Stderr);
        var drill = await Agent("drill", ids[0], "--config", config);
        Assert.True(drill.ExitCode == 6, drill.Stdout + drill.Stderr);

        var list = await Agent("backup", "list", "--config", config, "-w", "json");
        Assert.True(list.ExitCode == 0, list.Stderr);
        using (var listed = JsonDocument.Parse(list.Stdout))
        {
            var items = listed.RootElement.EnumerateArray().ToList();
            Assert.Equal(ids[2], items[0].GetProperty("id").GetString());
            var damaged = Assert.Single(items, i => i.GetProperty("status").GetString() == "damaged");
            Assert.Equal(ids[0], damaged.GetProperty("id").GetString());
            Assert.Contains(dotDot.Length == 0 ? "outside the backup's own folder" : "\"..\"", damaged.GetProperty("problem").GetString(), StringComparison.Ordinal);
        }

        var table = await Agent("backup", "list", "--config", config);
        Assert.Contains("DAMAGED", table.Stdout, StringComparison.Ordinal);

        // The policy keeps one: the edited (oldest) backup would be expired, and with it — before — the newest payload.
        var prune = await Agent("backup", "prune", "--config", config, "-w", "json");
        Assert.True(prune.ExitCode == 0, prune.Stderr);
        using (var report = JsonDocument.Parse(prune.Stdout))
        {
            Assert.Equal([ids[1]], report.RootElement.GetProperty("deleted").EnumerateArray().Select(e => e.GetString()!));
            Assert.Contains(report.RootElement.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.Contains("damaged manifest", StringComparison.Ordinal));
        }

        var latest = await Agent("backup", "verify", "latest", "--config", config);
        Assert.True(latest.ExitCode == 0, latest.Stderr);
        Assert.Contains(ids[2], latest.Stdout, StringComparison.Ordinal);
        await using (var payload = await store.OpenReadAsync(newest.Stored.Key, default))
        {
            Assert.True(payload.CanRead);
        }
    }

    public void Dispose() => _dir.Dispose();

    private static string? Lookup(string name) =>
        S3rverNode.Environment.TryGetValue(name, out var value) ? value : Environment.GetEnvironmentVariable(name);

    private static Task<ProcessRunner.Result> Agent(params string[] args) => AgentBinary.RunAsync(args, S3rverNode.Environment);

    private string WriteConfig(string storeKind, string prefix)
    {
        var storeYaml = storeKind == "s3"
            ? fixture.S3.StoreYaml(prefix)
            : $"""
              store:
                type: local
                local:
                  path: {_dir.File(prefix)}
              """;
        Directory.CreateDirectory(_dir.File(prefix));
        var path = _dir.File(prefix + ".yaml");
        File.WriteAllText(path, $"""
            cluster: test
            node: node-a
            etcd:
              endpoints: [{fixture.Cluster.Endpoints}]
            {storeYaml}
            backup:
              compression: zstd
              spoolDir: {_dir.File("spool")}
            retention:
              keepLast: 1
              daily: 0
              weekly: 0
              monthly: 0
              maxDeleteFraction: 1
            """);
        return path;
    }
}

using System.Text.Json.Nodes;
using EtcdAgent.IntegrationTests.Fixtures;
using Xunit;
using static EtcdAgent.IntegrationTests.Restore.RestoreHelpers;

namespace EtcdAgent.IntegrationTests.Restore;

/// <summary>
/// The oldest backup's manifest edited to name the newest backup's payload: `restore --snapshot OLD` must refuse it
/// (exit 6) before anything on the node is touched, instead of restoring the newest backup's data under the old name.
/// </summary>
public sealed class RestoreDamagedManifestTests : IAsyncLifetime, IDisposable
{
    private readonly TempDir _dir = new("etcd-agent-restore");
    private ScriptedEtcd _etcd = null!;
    private string Store => _dir.File("store");
    private string State => _dir.File("state");

    public async Task InitializeAsync()
    {
        _etcd = ScriptedEtcd.Create(_dir.Path, 1)[0];
        await _etcd.StartAsync();
        await _etcd.WaitHealthyAsync(TimeSpan.FromSeconds(30));
        Directory.CreateDirectory(Store);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _etcd?.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task ADamagedManifestIsRefusedBeforeAnythingIsTouched()
    {
        using var client = _etcd.Client();
        await PutAsync(client, "/old/", 3);
        var old = await BackupAsync(_etcd, Store);
        await PutAsync(client, "/new/", 3);
        var newest = await BackupAsync(_etcd, Store);
        var oldManifest = Directory.GetFiles(Path.Combine(Store, "default", old), "manifest.json").Single();
        var newManifest = JsonNode.Parse(File.ReadAllText(Directory.GetFiles(Path.Combine(Store, "default", newest), "manifest.json").Single()))!;
        var edited = JsonNode.Parse(File.ReadAllText(oldManifest))!;
        edited["stored"] = newManifest["stored"]!.DeepClone();
        File.WriteAllText(oldManifest, edited.ToJsonString());
        await _etcd.StopAsync();
        var before = Tree(_etcd.DataDir, includeRestoreWork: true);

        var restore = await AgentAsync(["restore", "--snapshot", old, "--store", Store, "--yes", .. Explicit(_etcd, State)]);

        Assert.True(restore.ExitCode == 6, restore.Stdout + restore.Stderr);
        Assert.Contains($"backup {old} is damaged", restore.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, Tree(_etcd.DataDir, includeRestoreWork: true));
    }
}

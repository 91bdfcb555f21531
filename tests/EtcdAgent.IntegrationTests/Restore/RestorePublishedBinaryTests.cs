using EtcdAgent.IntegrationTests.Fixtures;
using Xunit;
using static EtcdAgent.IntegrationTests.Restore.RestoreHelpers;

namespace EtcdAgent.IntegrationTests.Restore;

/// <summary>
/// Restore with the shipped (NativeAOT) binary — AOT compilation must not have removed what the journal, the
/// YAML reader or the wizard's library need — and its refusal to run as an ordinary user.
/// </summary>
public sealed class RestorePublishedBinaryTests : IDisposable
{
    private readonly TempDir _dir = new("etcd-agent-restore-published");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task ThePublishedBinaryRestoresASnapshotFile()
    {
        using var etcd = ScriptedEtcd.Create(_dir.Path, 1)[0];
        await etcd.StartAsync();
        await etcd.WaitHealthyAsync(TimeSpan.FromSeconds(30));
        using (var client = etcd.Client())
        {
            await PutAsync(client, "/p/", 9, "saved");
        }

        var snapshot = _dir.File("saved.db");
        var save = await ProcessRunner.RunAsync(RepoPaths.PublishedBinary, ["snapshot", "save", snapshot, "--endpoints", etcd.ClientUrl], Environment());
        Assert.True(save.ExitCode == 0, save.Stderr);
        using (var client = etcd.Client())
        {
            await client.PutAsync("/p/000", "later");
        }

        var restore = await ProcessRunner.RunAsync(RepoPaths.PublishedBinary, ["restore", "--snapshot", snapshot, "--yes", .. Explicit(etcd, _dir.File("state"))],
            Environment(), TimeSpan.FromSeconds(120));

        Assert.True(restore.ExitCode == 0, restore.Stdout + restore.Stderr);
        using var restored = etcd.Client();
        Assert.Equal("saved-0", await GetAsync(restored, "/p/000"));
    }

    [Fact]
    public async Task AnOrdinaryUserIsToldToUseRoot()
    {
        // A copy outside the checkout, readable by everyone, so `nobody` can run it wherever the checkout lives.
        var binary = _dir.File("etcd-agent");
        File.Copy(RepoPaths.PublishedBinary, binary);
        File.SetUnixFileMode(_dir.Path, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(binary, (UnixFileMode)0b111_101_101);

        var result = await ProcessRunner.RunAsync("setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", binary, "restore", "--snapshot", "latest", "--yes", "--state-dir", _dir.File("state")],
            new Dictionary<string, string?> { ["HOME"] = "/tmp" });

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("restore must run as root", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_dir.File("state")));
    }
}

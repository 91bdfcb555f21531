using EtcdAgent.IntegrationTests.Fixtures;
using Xunit;
using static EtcdAgent.IntegrationTests.Restore.RestoreHelpers;

namespace EtcdAgent.IntegrationTests.Restore;

/// <summary>
/// Issue 16 item 5: `restore` uses what it was told. Its clients use --config (an auth-enabled etcd only answers
/// with the configured user), and a detected member that disagrees with the config and the backup is refused.
/// </summary>
public sealed class RestoreConfigTests : IAsyncLifetime, IDisposable
{
    private const string RootPassword = "restore-Pa55";
    private readonly TempDir _dir = new("etcd-agent-restore-config");
    private ScriptedEtcd _etcd = null!;
    private string State => _dir.File("state");

    public async Task InitializeAsync()
    {
        _etcd = ScriptedEtcd.Create(_dir.Path, 1)[0];
        await _etcd.StartAsync();
        await _etcd.WaitHealthyAsync(TimeSpan.FromSeconds(30));
        Directory.CreateDirectory(_dir.File("store"));
        using var client = _etcd.Client();
        await PutAsync(client, "/c/", 8, "backed-up");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _etcd?.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task EveryClientOfTheRestoreUsesTheGivenConfig()
    {
        // Only the configured user may read the keyspace: a client built without --config fails the key count check.
        foreach (var step in new[] { new[] { "user", "add", "root", "--new-user-password=" + RootPassword }, ["user", "grant-role", "root", "root"], ["auth", "enable"] })
        {
            var result = await ProcessRunner.RunAsync("etcdctl", ["--endpoints", _etcd.ClientUrl, .. step], new Dictionary<string, string?> { ["ETCDCTL_API"] = "3" });
            Assert.True(result.ExitCode == 0, result.Stderr);
        }

        var config = Config(withAuth: true);
        var backup = await AgentAsync(["backup", "create", "--config", config]);
        Assert.True(backup.ExitCode == 0, backup.Stdout + backup.Stderr);

        var restore = await AgentAsync(["restore", "--config", config, "--snapshot", "latest", "--yes", .. Explicit(_etcd, State)]);

        Assert.True(restore.ExitCode == 0, restore.Stdout + restore.Stderr + _etcd.Log);
        Assert.Contains("as in the backup", restore.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DetectedMemberThatDisagreesWithTheConfigAndTheBackupIsRefusedUntilNamed()
    {
        var config = Config(withAuth: false);
        var backup = await AgentAsync(["backup", "create", "--config", config]);
        Assert.True(backup.ExitCode == 0, backup.Stdout + backup.Stderr);

        // Debian's etcd-server package unit: name %H, data dir .../default, default URLs; never used here.
        var debianDataDir = _dir.File("var-lib-etcd/default");
        Directory.CreateDirectory(debianDataDir);
        var unit = _dir.File("etcd.service");
        File.WriteAllText(unit, $"""
            [Service]
            Environment=DAEMON_ARGS=
            Environment=ETCD_NAME=%H
            Environment=ETCD_DATA_DIR={debianDataDir}
            EnvironmentFile=-/nonexistent/default/%p
            ExecStart=/usr/bin/etcd $DAEMON_ARGS
            """);
        string[] flags = ["restore", "--config", config, "--unit-file", unit, "--snapshot", "latest", "--state-dir", State, "--dry-run"];

        var refused = await AgentAsync(flags);

        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("disagrees", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("the backup's members are m1", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains(_etcd.ClientUrl, refused.Stderr, StringComparison.Ordinal);
        Assert.Contains(debianDataDir, refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("--name", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("Nothing was changed", refused.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(debianDataDir));

        // Naming the member is the operator's decision: the plan goes ahead and still shows every disagreement.
        var named = await AgentAsync([.. flags, "--name", "m1"]);
        Assert.True(named.ExitCode == 0, named.Stdout + named.Stderr);
        Assert.Contains("WARNING: --name m1", named.Stdout, StringComparison.Ordinal);
        Assert.Contains(_etcd.ClientUrl, named.Stdout, StringComparison.Ordinal);
        Assert.Contains(_etcd.PeerUrl, named.Stdout, StringComparison.Ordinal);
    }

    private string Config(bool withAuth)
    {
        var auth = string.Empty;
        if (withAuth)
        {
            var password = _dir.File("password");
            File.WriteAllText(password, RootPassword + "\n");
            File.SetUnixFileMode(password, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            auth = $"\n  user: root\n  passwordFile: {password}";
        }

        var path = _dir.File("config.yaml");
        File.WriteAllText(path, $"""
            cluster: restore-config
            node: node-a
            etcd:
              endpoints: [{_etcd.ClientUrl}]{auth}
            store:
              type: local
              local:
                path: {_dir.File("store")}
            backup:
              spoolDir: {_dir.File("spool")}
            """);
        return path;
    }
}

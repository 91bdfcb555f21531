using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using EtcdAgent.IntegrationTests.Fixtures;
using EtcdAgent.IntegrationTests.Restore;
using Xunit;
using static EtcdAgent.IntegrationTests.Restore.RestoreHelpers;

namespace EtcdAgent.IntegrationTests.Bundle;

/// <summary>
/// `restore --with-bundle` against real etcd: a fake kubeadm tree in a temp root (the bundle root) whose manifests
/// folder a test kubelet runs etcd from. A backup takes the tree's bundle; then one file differs, files are missing
/// and the rest are the same. The plan shows each verdict; the restore leaves the tree as the bundle (bytes, modes,
/// links) with the node's differing versions set aside beside them; the rollback puts the node's versions back and
/// removes what was missing. Also: the other-node warning and the usage errors, and no key material in any output.
/// </summary>
public sealed class RestoreWithBundleTests : IDisposable
{
    private readonly TempDir _dir = new("etcd-agent-restore-bundle");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task TheBundleIsPutBackAndTheRollbackPutsTheNodesOwnFilesBack()
    {
        var root = _dir.File("node");
        var manifests = Path.Join(root, "etc/kubernetes/manifests");
        var client = $"http://127.0.0.1:{FreePorts.Next().ToString(CultureInfo.InvariantCulture)}";
        var peer = $"http://127.0.0.1:{FreePorts.Next().ToString(CultureInfo.InvariantCulture)}";
        await FakeKubeadmTree.CreateAsync(root, $"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: etcd
              namespace: kube-system
            spec:
              containers:
              - command:
                - etcd
                - --advertise-client-urls={client}
                - --data-dir={_dir.File("var-lib-etcd")}
                - --initial-advertise-peer-urls={peer}
                - --initial-cluster=node1={peer}
                - --listen-client-urls={client}
                - --listen-peer-urls={peer}
                - --name=node1
                - --heartbeat-interval=50
                - --election-timeout=500
                name: etcd
            """);
        File.SetUnixFileMode(Path.Join(root, "etc/kubernetes/pki/etcd"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.Delete(Path.Join(root, "etc/kubernetes/pki/fifo")); // the tree compare below reads every file
        using var kubelet = new FakeKubelet(manifests, _dir.File("etcd.log"));
        var config = await ConfigAsync(client, root, "node-a");
        await WaitForEtcdAsync(client);

        var backup = await AgentAsync(["backup", "create", "--config", config]);
        Assert.True(backup.ExitCode == 0, backup.Stdout + backup.Stderr);
        var bundled = Tree(root);

        // The node drifts: a kubeconfig and kube-apiserver.yaml (which the restore holds aside while etcd is down)
        // differ, the etcd CA directory and the service-account key are gone.
        await File.WriteAllTextAsync(Path.Join(root, "etc/kubernetes/admin.conf"), "apiVersion: v1\nkind: Config\n# edited on the node\n");
        File.SetUnixFileMode(Path.Join(root, "etc/kubernetes/admin.conf"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await File.WriteAllTextAsync(Path.Join(manifests, "kube-apiserver.yaml"), "spec: {}\n# the node's own\n");
        var saKey = Path.Join(root, "etc/kubernetes/pki/sa.key");
        var saKeyTime = File.GetLastWriteTimeUtc(saKey);
        Directory.Delete(Path.Join(root, "etc/kubernetes/pki/etcd"), recursive: true);
        File.Delete(saKey);
        var drifted = Tree(root);
        var state = _dir.File("state");
        string[] restore = ["restore", "--config", config, "--snapshot", "latest", "--with-bundle", "--manifests-dir", manifests, "--state-dir", state, "--health-timeout", "60s"];

        var plan = await AgentAsync([.. restore, "--dry-run"]);

        Assert.True(plan.ExitCode == 0, plan.Stdout + plan.Stderr);
        Assert.Matches(@"differs +/etc/kubernetes/admin\.conf\n", plan.Stdout);
        Assert.Matches(@"differs +/etc/kubernetes/manifests/kube-apiserver\.yaml\n", plan.Stdout);
        Assert.Matches(@"missing here +/etc/kubernetes/pki/etcd \(directory\)\n", plan.Stdout);
        Assert.Matches(@"missing here +/etc/kubernetes/pki/etcd/ca\.key\n", plan.Stdout);
        Assert.Matches(@"missing here +/etc/kubernetes/pki/sa\.key\n", plan.Stdout);
        Assert.Matches(@"same +/etc/kubernetes/pki/ca\.key\n", plan.Stdout);
        Assert.Matches(@"same +/etc/kubernetes/pki/outside \(symlink\)\n", plan.Stdout);
        Assert.Matches(@"same +/etc/kubernetes/enc/enc\.yaml\n", plan.Stdout);
        Assert.Contains("Put back the control-plane files", plan.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("WARNING: the bundle was taken on node", plan.Stdout, StringComparison.Ordinal);
        Assert.Equal(drifted, Tree(root));

        var restored = await AgentAsync([.. restore, "--yes"]);

        Assert.True(restored.ExitCode == 0, restored.Stdout + restored.Stderr + File.ReadAllText(_dir.File("etcd.log")));
        var id = Journal(state).GetProperty("id").GetString()!;
        Assert.Equal(bundled, Tree(root));
        Assert.Equal(saKeyTime.Ticks / TimeSpan.TicksPerSecond, File.GetLastWriteTimeUtc(saKey).Ticks / TimeSpan.TicksPerSecond);
        Assert.Equal("apiVersion: v1\nkind: Config\n# edited on the node\n", await File.ReadAllTextAsync(Path.Join(root, $"etc/kubernetes/.etcd-agent-{id}.admin.conf")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Join(root, $"etc/kubernetes/.etcd-agent-{id}.admin.conf")));
        Assert.Equal("spec: {}\n# the node's own\n", await File.ReadAllTextAsync(Path.Join(manifests, $".etcd-agent-{id}.kube-apiserver.yaml")));
        Assert.False(File.Exists(Path.Join(state, "restore", id, "bundle.tar"))); // the plain bundle is gone once the step is done
        await RestoreSingleMemberTests.WaitForAsync(() => kubelet.Events.Count >= 6, TimeSpan.FromSeconds(10), () => string.Join("\n", kubelet.Events));
        // The tree's kube-apiserver.yaml was there before the kubelet: the first two events are its start and etcd's.
        Assert.Equal(["apiserver stopped", "etcd stopped", "etcd started", "apiserver started (etcd healthy: True)"], kubelet.Events.Skip(2));

        var rollback = await AgentAsync(["restore", "--rollback", "--state-dir", state]);

        Assert.True(rollback.ExitCode == 0, rollback.Stdout + rollback.Stderr + File.ReadAllText(_dir.File("etcd.log")));
        Assert.Equal(drifted, Tree(root));
        Assert.False(File.Exists(Path.Join(root, $"etc/kubernetes/.etcd-agent-{id}.admin.conf")));
        Assert.False(Directory.Exists(Path.Join(root, "etc/kubernetes/pki/etcd")));
        await RestoreSingleMemberTests.WaitForAsync(() => kubelet.Events.Count >= 10, TimeSpan.FromSeconds(10), () => string.Join("\n", kubelet.Events));
        // The rollback moves both manifests back without a health wait between them, so the two starts may come in either order.
        Assert.Equal(["apiserver stopped", "etcd stopped"], kubelet.Events.Skip(6).Take(2));
        Assert.Contains("etcd started", kubelet.Events.Skip(8));
        NoKeyMaterial(plan, restored, rollback);
        Assert.DoesNotContain(FakeKubeadmTree.EncryptionSecret, await File.ReadAllTextAsync(Path.Join(state, "restore", id, "journal.json")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnotherNodesBundleIsWarnedAboutAndAFileOrABackupWithoutABundleIsRefused()
    {
        using var etcd = ScriptedEtcd.Create(_dir.Path, 1)[0];
        await etcd.StartAsync();
        await etcd.WaitHealthyAsync(TimeSpan.FromSeconds(30));
        var root = await FakeKubeadmTree.CreateAsync(_dir.File("node"));
        File.Delete(Path.Join(root, "etc/kubernetes/pki/fifo"));
        var withBundle = await ConfigAsync(etcd.ClientUrl, root, "node-a");
        var created = await AgentAsync(["backup", "create", "--config", withBundle, "-w", "json"]);
        Assert.True(created.ExitCode == 0, created.Stdout + created.Stderr);
        using var manifest = System.Text.Json.JsonDocument.Parse(created.Stdout);
        var bundledId = manifest.RootElement.GetProperty("id").GetString()!;
        var withoutBundle = await ConfigAsync(etcd.ClientUrl, root, "node-a", bundle: false);
        var plain = await AgentAsync(["backup", "create", "--config", withoutBundle, "-w", "json"]);
        Assert.True(plain.ExitCode == 0, plain.Stdout + plain.Stderr);
        using var plainManifest = System.Text.Json.JsonDocument.Parse(plain.Stdout);
        var plainId = plainManifest.RootElement.GetProperty("id").GetString()!;
        var state = _dir.File("state");
        var tree = Tree(root);

        var otherNode = await AgentAsync(["restore", "--config", await ConfigAsync(etcd.ClientUrl, root, "node-b"), "--snapshot", bundledId, "--with-bundle", "--dry-run",
            .. Explicit(etcd, state)]);

        Assert.True(otherNode.ExitCode == 0, otherNode.Stdout + otherNode.Stderr);
        Assert.Contains("WARNING: the bundle was taken on node node-a, this is node-b", otherNode.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"same +/etc/kubernetes/pki/ca\.key\n", otherNode.Stdout);

        var snapshotFile = _dir.File("snapshot.db");
        await File.WriteAllBytesAsync(snapshotFile, [1, 2, 3]);
        var fromFile = await AgentAsync(["restore", "--config", withBundle, "--snapshot", snapshotFile, "--with-bundle", "--yes", .. Explicit(etcd, state)]);

        Assert.Equal(2, fromFile.ExitCode);
        Assert.Contains("--with-bundle restores the control-plane files stored beside a backup", fromFile.Stderr, StringComparison.Ordinal);
        Assert.Contains("without --with-bundle", fromFile.Stderr, StringComparison.Ordinal);

        var noBundle = await AgentAsync(["restore", "--config", withBundle, "--snapshot", plainId, "--with-bundle", "--yes", .. Explicit(etcd, state)]);

        Assert.Equal(2, noBundle.ExitCode);
        Assert.Contains("has no recovery bundle", noBundle.Stderr, StringComparison.Ordinal);
        Assert.Contains("or restore without --with-bundle", noBundle.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Join(state, "restore")) && Directory.GetFiles(Path.Join(state, "restore"), "journal.json", SearchOption.AllDirectories).Length > 0);
        Assert.Equal(tree, Tree(root));
        Assert.True(etcd.IsRunning);
        NoKeyMaterial(created, otherNode, fromFile, noBundle);
    }

    private static void NoKeyMaterial(params ProcessRunner.Result[] results)
    {
        foreach (var result in results)
        {
            foreach (var text in new[] { result.Stdout, result.Stderr })
            {
                Assert.DoesNotContain("PRIVATE KEY", text, StringComparison.Ordinal);
                Assert.DoesNotContain("BEGIN CERTIFICATE", text, StringComparison.Ordinal);
                Assert.DoesNotContain(FakeKubeadmTree.EncryptionSecret, text, StringComparison.Ordinal);
            }
        }
    }

    /// <summary>Every path under the root except restore leftovers (set-aside files, the aside folder) with type, mode and sha256 or link target.</summary>
    private static string Tree(string root)
    {
        var text = new StringBuilder();
        foreach (var entry in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(root, entry);
            if (relative.Contains("etcd-agent-", StringComparison.Ordinal))
            {
                continue;
            }

            var info = new FileInfo(entry);
            var mode = Convert.ToString((int)File.GetUnixFileMode(entry), 8);
            text.Append(relative).Append(' ').AppendLine(
                info.LinkTarget is { } link ? "-> " + link
                : Directory.Exists(entry) ? "dir " + mode
                : "file " + mode + " " + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(entry))));
        }

        return text.ToString();
    }

    private async Task<string> ConfigAsync(string endpoint, string root, string node, bool bundle = true)
    {
        var key = _dir.File("backup.key");
        if (!File.Exists(key))
        {
            var generated = await AgentAsync(["key", "generate", key]);
            Assert.True(generated.ExitCode == 0, generated.Stderr);
        }

        var path = _dir.File($"config-{node}-{bundle}.yaml");
        await File.WriteAllTextAsync(path, $"""
            cluster: bundle
            node: {node}
            etcd:
              endpoints: [{endpoint}]
            store:
              type: local
              local:
                path: {_dir.File("store")}
            backup:
              spoolDir: {_dir.File("spool")}
              encryption:
                keyFile: {key}
            bundle:
              enabled: {(bundle ? "true" : "false")}
              root: {root}
            """);
        Directory.CreateDirectory(_dir.File("store"));
        return path;
    }

    private static async Task WaitForEtcdAsync(string url)
    {
        using var client = new EtcdAgent.Protocol.Etcd.EtcdClient(new EtcdAgent.Protocol.Etcd.EtcdClientOptions { Endpoints = [new Uri(url)] });
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await client.PutAsync("/registry/secrets/a", "backed-up");
                return;
            }
            catch (Exception) when (watch.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(200);
            }
        }
    }
}

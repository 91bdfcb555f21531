using System.Globalization;
using EtcdAgent.IntegrationTests.Fixtures;
using EtcdAgent.Protocol.Etcd;
using Xunit;
using static EtcdAgent.IntegrationTests.Restore.RestoreHelpers;

namespace EtcdAgent.IntegrationTests.Restore;

/// <summary>
/// kubeadm's stacked etcd, simulated: a test kubelet runs a real etcd from etcd.yaml in a temp manifests folder, and
/// the restore (topology detected from that folder) drives it only by moving manifests. Also the 3.5+/3.6 path
/// through a fake etcdutl that records its arguments.
/// </summary>
public sealed class RestoreKubeadmTests : IDisposable
{
    private readonly TempDir _dir = new("etcd-agent-restore-kubeadm");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task RestoreDrivesTheStaticPodsAndPutsTheManifestsBackUnchanged()
    {
        var manifests = _dir.File("manifests");
        Directory.CreateDirectory(manifests);
        var clientPort = FreePorts.Next();
        var peerPort = FreePorts.Next();
        var client = $"http://127.0.0.1:{clientPort.ToString(CultureInfo.InvariantCulture)}";
        var peer = $"http://127.0.0.1:{peerPort.ToString(CultureInfo.InvariantCulture)}";
        var etcdYaml = $"""
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
                image: registry.k8s.io/etcd:3.5.15-0
                name: etcd
            """;
        const string ApiYaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\n";
        File.WriteAllText(Path.Combine(manifests, "etcd.yaml"), etcdYaml);
        using var kubelet = new FakeKubelet(manifests, _dir.File("etcd.log"));
        var store = _dir.File("store");
        Directory.CreateDirectory(store);
        using (var etcd = await ConnectAsync(client))
        {
            await PutAsync(etcd, "/registry/secrets/", 15, "backed-up");
        }

        File.WriteAllText(Path.Combine(manifests, "kube-apiserver.yaml"), ApiYaml);

        var backup = await AgentAsync(["backup", "create", "--store", store, "--endpoints", client]);
        Assert.True(backup.ExitCode == 0, backup.Stderr);
        using (var etcd = await ConnectAsync(client))
        {
            await PutAsync(etcd, "/registry/later/", 4);
        }

        var restore = await AgentAsync(["restore", "--snapshot", "latest", "--store", store, "--manifests-dir", manifests,
            "--state-dir", _dir.File("state"), "--health-timeout", "60s", "--yes"]);

        Assert.True(restore.ExitCode == 0, restore.Stdout + restore.Stderr + File.ReadAllText(_dir.File("etcd.log")));
        Assert.Contains("topology:       kubeadm", restore.Stdout, StringComparison.Ordinal);
        Assert.Contains("cannot bump the revision", restore.Stdout, StringComparison.Ordinal); // Kubernetes, but etcdctl 3.4.23
        Assert.Equal(etcdYaml, File.ReadAllText(Path.Combine(manifests, "etcd.yaml")));
        Assert.Equal(ApiYaml, File.ReadAllText(Path.Combine(manifests, "kube-apiserver.yaml")));
        Assert.Equal(["etcd.yaml", "kube-apiserver.yaml"], Directory.GetFiles(manifests).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        await RestoreSingleMemberTests.WaitForAsync(() => kubelet.Events.Count >= 6, TimeSpan.FromSeconds(10), () => string.Join("\n", kubelet.Events));
        Assert.Equal(["etcd started", "apiserver started (etcd healthy: True)", "apiserver stopped", "etcd stopped", "etcd started", "apiserver started (etcd healthy: True)"],
            kubelet.Events);
        using var restored = await ConnectAsync(client);
        Assert.Equal("backed-up-14", await GetAsync(restored, "/registry/secrets/014"));
        Assert.Null(await GetAsync(restored, "/registry/later/000"));
    }

    [Fact]
    public async Task EtcdutlGetsBumpRevisionAndMarkCompactedAndTheCheckCatchesARevisionThatWasNotBumped()
    {
        using var etcd = ScriptedEtcd.Create(_dir.Path, 1)[0];
        await etcd.StartAsync();
        await etcd.WaitHealthyAsync(TimeSpan.FromSeconds(30));
        using (var client = etcd.Client())
        {
            await PutAsync(client, "/registry/x/", 8);
        }

        var snapshot = _dir.File("snap.db");
        var save = await AgentAsync(["snapshot", "save", snapshot, "--endpoints", etcd.ClientUrl]);
        Assert.True(save.ExitCode == 0, save.Stderr);
        var recorded = _dir.File("etcdutl-args");
        var etcdutl = _dir.File("etcdutl");
        File.WriteAllText(etcdutl, $$"""
            #!/bin/sh
            # A 3.6 etcdutl as far as restore can tell: it records its arguments, then lets the real etcdctl 3.4 do the
            # restore without the flags 3.4.23 lacks (so the revision is NOT bumped).
            echo "$*" >> {{recorded}}
            if [ "$1" = version ]; then echo "etcdutl version: 3.6.4"; echo "API version: 3.6"; exit 0; fi
            for a in "$@"; do if [ "$a" = --help ]; then echo "      --bump-revision uint"; echo "      --mark-compacted"; exit 0; fi; done
            shift 2
            out=""
            while [ $# -gt 0 ]; do
              case "$1" in
                --bump-revision) shift 2; continue;;
                --mark-compacted) shift; continue;;
              esac
              out="$out $1"; shift
            done
            ETCDCTL_API=3 exec etcdctl snapshot restore $out
            """);
        File.SetUnixFileMode(etcdutl, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var state = _dir.File("state");

        var restore = await AgentAsync(["restore", "--snapshot", snapshot, "--restore-binary", etcdutl, "--kubernetes", "--yes", .. Explicit(etcd, state)]);

        var calls = File.ReadAllLines(recorded);
        var restoreCall = Assert.Single(calls, c => c.StartsWith("snapshot restore " + snapshot, StringComparison.Ordinal));
        Assert.Contains("--bump-revision 1000000000 --mark-compacted", restoreCall, StringComparison.Ordinal);
        Assert.Contains("--name m1", restoreCall, StringComparison.Ordinal);
        Assert.Contains($"--initial-cluster m1={etcd.PeerUrl}", restoreCall, StringComparison.Ordinal);
        Assert.Contains("--initial-cluster-token etcd-agent-", restoreCall, StringComparison.Ordinal);
        Assert.Contains("restore binary: etcdutl 3.6.4", restore.Stdout, StringComparison.Ordinal);
        Assert.Equal(6, restore.ExitCode);
        Assert.Contains("+ bump 1000000000", restore.Stderr, StringComparison.Ordinal);
        Assert.Contains("restore --rollback", restore.Stderr, StringComparison.Ordinal);

        var rollback = await AgentAsync(["restore", "--rollback", "--state-dir", state]);
        Assert.True(rollback.ExitCode == 0, rollback.Stdout + rollback.Stderr);
        await etcd.WaitHealthyAsync(TimeSpan.FromSeconds(30));
    }

    private static async Task<EtcdClient> ConnectAsync(string url)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var client = new EtcdClient(new EtcdClientOptions { Endpoints = [new Uri(url)] });
            try
            {
                if ((await client.StatusAsync(new Uri(url))).Leader != 0)
                {
                    return client;
                }
            }
            catch (Exception) when (watch.Elapsed < TimeSpan.FromSeconds(30))
            {
            }

            client.Dispose();
            await Task.Delay(200);
        }
    }
}

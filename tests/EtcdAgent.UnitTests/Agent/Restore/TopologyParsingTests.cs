using EtcdAgent.Configuration;
using EtcdAgent.Restore.Topology;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Restore;

/// <summary>Reading a member's settings from kubeadm manifests, systemd units, flags and the environment.</summary>
public sealed class TopologyParsingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("topology").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void FlagsAcceptBothFormsAndWinOverTheEnvironment()
    {
        var argv = EtcdFlags.FromArguments(["etcd", "--name=a", "--data-dir", "/var/lib/etcd", "--client-cert-auth", "--wal-dir=/wal"]);
        Assert.Equal("a", argv["name"]);
        Assert.Equal("/var/lib/etcd", argv["data-dir"]);
        Assert.Equal("true", argv["client-cert-auth"]);
        var env = EtcdFlags.FromEnvironment([new("ETCD_NAME", "b"), new("ETCD_INITIAL_CLUSTER", "b=http://x:2380"), new("PATH", "/bin")]);
        Assert.Equal("b=http://x:2380", env["initial-cluster"]);
        Assert.Null(env["path"]);
        var merged = env.Merge(argv);
        Assert.Equal("a", merged["name"]);
        Assert.Equal("b=http://x:2380", merged["initial-cluster"]);
    }

    [Fact]
    public void WordsSplitLikeAUnitFile()
    {
        Assert.Equal(["/usr/bin/etcd", "--name", "my node", "a\"b", "c d"], EtcdFlags.SplitWords("/usr/bin/etcd  --name \"my node\" a\\\"b 'c d'"));
    }

    [Fact]
    public void KubeadmManifestGivesTheEtcdContainersFlags()
    {
        var path = Path.Combine(_dir, "etcd.yaml");
        File.WriteAllText(path, """
            apiVersion: v1
            kind: Pod
            spec:
              containers:
              - name: sidecar
                command: [sleep, "1"]
              - command:
                - etcd
                - --advertise-client-urls=https://10.0.0.1:2379
                - --data-dir=/var/lib/etcd
                - --initial-advertise-peer-urls=https://10.0.0.1:2380
                - --initial-cluster=cp1=https://10.0.0.1:2380
                - --listen-client-urls=https://127.0.0.1:2379,https://10.0.0.1:2379
                - --listen-peer-urls=https://10.0.0.1:2380
                - --name=cp1
                - --trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt
                name: etcd
            """);
        var (flags, source) = KubeadmTopology.ReadFlags(_dir, Path.Combine(_dir, "aside"));
        var member = MemberConfig.FromFlags(flags, source);
        Assert.Equal("cp1", member.Name);
        Assert.Equal("/var/lib/etcd", member.DataDir);
        Assert.Equal(new Uri("https://127.0.0.1:2379"), member.LocalClientUrl);
        Assert.Equal(["https://127.0.0.1:2379/", "https://10.0.0.1:2379/", "https://10.0.0.1:2380/"], member.PortsToGate.Select(u => u.ToString()));
        Assert.Equal("/etc/kubernetes/pki/etcd/ca.crt", member.TrustedCaFile);

        // Once a restore moved it aside, it is read from there.
        Directory.CreateDirectory(Path.Combine(_dir, "aside"));
        File.Move(path, Path.Combine(_dir, "aside", "etcd.yaml"));
        Assert.EndsWith("aside/etcd.yaml", KubeadmTopology.ReadFlags(_dir, Path.Combine(_dir, "aside")).Source, StringComparison.Ordinal);
    }

    [Fact]
    public void KubeadmManifestProblemsSayWhatToDo()
    {
        var missing = Assert.Throws<ConfigurationException>(() => KubeadmTopology.ReadCommand(Path.Combine(_dir, "nope.yaml")));
        Assert.Contains("--topology systemd|explicit", missing.Message, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(_dir, "bad.yaml"), "spec: [unclosed");
        Assert.Contains("not valid YAML", Assert.Throws<ConfigurationException>(() => KubeadmTopology.ReadCommand(Path.Combine(_dir, "bad.yaml"))).Message, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(_dir, "empty.yaml"), "spec:\n  containers: []\n");
        Assert.Contains("no etcd container", Assert.Throws<ConfigurationException>(() => KubeadmTopology.ReadCommand(Path.Combine(_dir, "empty.yaml"))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DebiansUnitWithItsEnvironmentFileAndSpecifiers()
    {
        var unit = Path.Combine(_dir, "etcd.service");
        File.WriteAllText(Path.Combine(_dir, "default-etcd"), """
            # comments are ignored
            ETCD_LISTEN_CLIENT_URLS="http://0.0.0.0:2379"
            DAEMON_ARGS="--wal-dir /srv/wal --initial-advertise-peer-urls http://10.1.1.1:2380"
            """);
        File.WriteAllText(unit, $"""
            [Unit]
            Description=etcd
            [Service]
            Environment=DAEMON_ARGS=
            Environment=ETCD_NAME=%H
            Environment="ETCD_DATA_DIR=/var/lib/etcd/default" OTHER=1
            EnvironmentFile=-{_dir}/default-etcd
            EnvironmentFile=-{_dir}/missing-is-fine
            ExecStart=/usr/bin/etcd $DAEMON_ARGS \
              --listen-peer-urls=http://10.1.1.1:2380
            """);
        Directory.CreateDirectory(unit + ".d");
        File.WriteAllText(Path.Combine(unit + ".d", "override.conf"), "[Service]\nEnvironment=ETCD_DATA_DIR=/data/etcd\n");

        var member = MemberConfig.FromFlags(SystemdUnit.ReadFlags(unit, "node7"), unit);

        Assert.Equal("node7", member.Name);
        Assert.Equal("/data/etcd", member.DataDir);
        Assert.Equal("/srv/wal", member.WalDir);
        Assert.Equal(new Uri("http://10.1.1.1:2380"), member.PeerUrls[0]);
        Assert.Equal(new Uri("http://127.0.0.1:2379"), member.LocalClientUrl);
        Assert.Contains(new Uri("http://10.1.1.1:2380"), member.PortsToGate);
    }

    [Fact]
    public void RequiredEnvironmentFileMissingIsAnError()
    {
        var unit = Path.Combine(_dir, "etcd.service");
        File.WriteAllText(unit, "[Service]\nEnvironmentFile=/nonexistent/etcd.env\nExecStart=/usr/bin/etcd\n");
        Assert.Contains("does not exist", Assert.Throws<ConfigurationException>(() => SystemdUnit.ReadFlags(unit, "h")).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "not set")]
    [InlineData("relative/dir", "relative")]
    public void AnAmbiguousDataDirIsRefused(string? dataDir, string expected)
    {
        var flags = EtcdFlags.FromArguments(dataDir is null ? ["--name=x"] : ["--name=x", "--data-dir=" + dataDir]);
        var error = Assert.Throws<ConfigurationException>(() => MemberConfig.FromFlags(flags, "test"));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("--data-dir ABSOLUTE_PATH", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EtcdDefaultsApplyWhenUrlsAreNotSet()
    {
        var member = MemberConfig.FromFlags(EtcdFlags.FromArguments(["--data-dir=/d"]), "test");
        Assert.Equal("default", member.Name);
        Assert.Equal(new Uri("http://localhost:2380"), member.PeerUrls[0]);
        Assert.Equal(new Uri("http://localhost:2379"), member.LocalClientUrl);
        Assert.Contains("not an http(s) URL", Assert.Throws<ConfigurationException>(() => MemberConfig.FromFlags(EtcdFlags.FromArguments(["--data-dir=/d", "--listen-client-urls=nonsense"]), "t")).Message, StringComparison.Ordinal);
    }
}

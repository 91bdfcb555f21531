using System.Text.Json;
using EtcdAgent.IntegrationTests.Fixtures;
using EtcdAgent.Snapshots;
using EtcdAgent.Storage;
using Xunit;

namespace EtcdAgent.IntegrationTests.Snapshots;

public sealed class SnapshotSaveTests(SingleEtcdFixture fixture) : IClassFixture<SingleEtcdFixture>, IDisposable
{
    private readonly TempDir _dir = new();

    [Fact]
    public async Task SavedFileIsByteIdenticalToEtcdctlsAndRestoresIntoAWorkingEtcd()
    {
        using (var client = fixture.Cluster.Client())
        {
            for (var i = 0; i < 50; i++)
            {
                await client.PutAsync($"/registry/save/{i:D3}", $"value-{i}");
            }
        }

        var ours = _dir.File("ours.db");
        var result = await AgentBinary.RunAsync("snapshot", "save", ours, "--endpoints", fixture.Cluster.Endpoints, "-w", "json");
        var theirs = await fixture.Cluster.EtcdctlAsync("snapshot", "save", _dir.File("etcdctl.db"));

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(0, theirs.ExitCode);
        Assert.Equal(await File.ReadAllBytesAsync(_dir.File("etcdctl.db")), await File.ReadAllBytesAsync(ours));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ours));
        Assert.False(File.Exists(ours + ".part"));

        using var saved = JsonDocument.Parse(result.Stdout);
        Assert.Equal(new FileInfo(ours).Length, saved.RootElement.GetProperty("size").GetInt64());

        // etcdctl accepts the file: status reads it, restore rebuilds a member that serves the keys.
        var status = await ProcessRunner.RunAsync("etcdctl", ["snapshot", "status", ours, "-w", "json"], new Dictionary<string, string?> { ["ETCDCTL_API"] = "3" });
        Assert.True(status.ExitCode == 0, status.Stderr);
        using var statusJson = JsonDocument.Parse(status.Stdout);
        Assert.True(statusJson.RootElement.GetProperty("revision").GetInt64() >= saved.RootElement.GetProperty("revision").GetInt64());

        var node = new EtcdNode("restored", _dir, dataDir: _dir.File("restored.etcd"));
        var restore = await ProcessRunner.RunAsync("etcdctl",
            ["snapshot", "restore", ours, "--data-dir", node.DataDir, "--name", node.Name,
             "--initial-cluster", $"{node.Name}={node.PeerUrl}", "--initial-advertise-peer-urls", node.PeerUrl],
            new Dictionary<string, string?> { ["ETCDCTL_API"] = "3" });
        Assert.True(restore.ExitCode == 0, restore.Stderr);

        using (node)
        {
            node.Start($"{node.Name}={node.PeerUrl}", "restored");
            await node.WaitReadyAsync(TimeSpan.FromSeconds(30));
            using var restored = new EtcdAgent.Protocol.Etcd.EtcdClient(new() { Endpoints = [node.ClientUrl] });
            var get = await restored.GetAsync("/registry/save/049");
            Assert.Equal("value-49", get.Kvs[0].Value.ToStringUtf8());
        }
    }

    [Fact]
    public async Task OverMutualTlsItWorksToo()
    {
        using var pki = new TempDir("pki");
        var tls = await TlsFiles.CreateAsync(pki.Path);
        using var cluster = await EtcdCluster.StartAsync(tls: tls);

        var result = await AgentBinary.RunAsync("snapshot", "save", _dir.File("tls.db"), "--endpoints", cluster.Endpoints,
            "--cacert", tls.CaCert, "--cert", tls.ClientCert, "--key", tls.ClientKey);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.True(new FileInfo(_dir.File("tls.db")).Length % 512 == 32);
    }

    [Fact]
    public async Task DeadEndpointFailsWithinTheDialTimeoutAndWritesNothing()
    {
        var result = await AgentBinary.RunAsync("snapshot", "save", _dir.File("dead.db"), "--endpoints",
            $"http://127.0.0.1:{FreePorts.Next()}", "--dial-timeout", "1s");

        Assert.Equal(3, result.ExitCode);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(15));
        Assert.Empty(Directory.GetFileSystemEntries(_dir.Path));
    }

    [Fact]
    public async Task SeveralEndpointsAreRefused()
    {
        var result = await AgentBinary.RunAsync("snapshot", "save", _dir.File("two.db"), "--endpoints",
            fixture.Cluster.Endpoints + "," + fixture.Cluster.Endpoints);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("exactly one endpoint", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DiskFullFailsClearlyAndLeavesNothingBehind()
    {
        using (var client = fixture.Cluster.Client())
        {
            var value = Google.Protobuf.ByteString.CopyFrom(new byte[200_000]);
            for (var i = 0; i < 5; i++)
            {
                await client.PutAsync(new Etcdserverpb.PutRequest { Key = Google.Protobuf.ByteString.CopyFromUtf8($"/big/{i}"), Value = value });
            }
        }

        // A 256 KiB tmpfs in a private mount namespace: the snapshot (> 1 MB) cannot fit. Listing the directory
        // from inside the namespace shows what the failed run left there.
        var mount = _dir.File("small");
        Directory.CreateDirectory(mount);
        const string script = "mount -t tmpfs -o size=256k tmpfs \"$0\" || exit 99; \"$1\" snapshot save \"$0/snap.db\" --endpoints \"$2\"; rc=$?; echo \"left: [$(ls -A \"$0\")]\"; exit $rc";
        var result = await ProcessRunner.RunAsync("unshare", ["-rm", "sh", "-c", script, mount, AgentBinary.Path, fixture.Cluster.Endpoints],
            new Dictionary<string, string?> { ["ETCD_AGENT_KUBEADM_PKI_DIR"] = "/nonexistent" });

        Assert.NotEqual(99, result.ExitCode);
        Assert.Equal(12, result.ExitCode); // README: a local disk is full
        Assert.Contains("disk full", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("left: []", result.Stdout, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();
}

/// <summary>Kills etcd, so it has its own.</summary>
public sealed class SnapshotStreamCutTests : IDisposable
{
    private readonly TempDir _dir = new();

    [Fact]
    public async Task EtcdKilledMidStreamLeavesNoFileAndNoPart()
    {
        using var cluster = await EtcdCluster.StartAsync();
        using var client = cluster.Client();
        var value = Google.Protobuf.ByteString.CopyFrom(new byte[1024 * 1024]);
        for (var i = 0; i < 24; i++)
        {
            await client.PutAsync(new Etcdserverpb.PutRequest { Key = Google.Protobuf.ByteString.CopyFromUtf8($"/fill/{i}"), Value = value });
        }

        var path = _dir.File("cut.db");
        var ex = await Assert.ThrowsAsync<SnapshotException>(() => AtomicFile.WriteAsync(path, false, stream =>
            SnapshotDownloader.DownloadAsync(client, cluster.First.ClientUrl, new KillOnFirstWrite(stream, cluster.First), TimeProvider.System, default)))
            .WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(SnapshotFault.StreamCut, ex.Fault);
        Assert.Contains("broke after", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_dir.Path));
    }

    /// <summary>Passes writes through; the first one kills the etcd being streamed from.</summary>
    private sealed class KillOnFirstWrite(Stream inner, EtcdNode node) : Stream
    {
        private bool _killed;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!_killed)
            {
                _killed = true;
                node.Kill();
            }

            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }

    public void Dispose() => _dir.Dispose();
}

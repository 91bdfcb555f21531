using System.Text.Json.Nodes;
using EtcdAgent.IntegrationTests.Fixtures;
using Xunit;

namespace EtcdAgent.IntegrationTests.Bundle;

/// <summary>
/// The recovery bundle through the published binary against real etcd and real stores (s3rver, a directory): stored
/// encrypted beside the snapshot and listed in its manifest, refused without a key while the snapshot is still stored,
/// shown by list, proven by verify, extracted by download; an edited bundle or manifest is caught; no key material in
/// any output, log or manifest.
/// </summary>
public sealed class BundleBackupCliTests(EtcdAndS3Fixture fixture) : IClassFixture<EtcdAndS3Fixture>, IDisposable
{
    private readonly TempDir _dir = new("etcd-agent-bundle-cli");

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("s3")]
    [InlineData("local")]
    public async Task ABackupCarriesTheEncryptedBundleThatListVerifyAndDownloadShowAndProve(string store)
    {
        var root = await FakeKubeadmTree.CreateAsync(_dir.File("node"));
        var config = WriteConfig(store, $"with-{store}", root, encrypted: true);

        var create = await Agent("backup", "create", "--config", config);
        Assert.True(create.ExitCode == 0, create.Stderr);
        Assert.Contains("bundle:", create.Stdout, StringComparison.Ordinal);
        var json = await Agent("backup", "list", "--config", config, "-w", "json");
        Assert.True(json.ExitCode == 0, json.Stderr);
        var item = JsonNode.Parse(json.Stdout)!.AsArray()[0]!;
        Assert.Equal("node-a", item["bundle"]!["node"]!.GetValue<string>());
        Assert.Empty(item["bundle"]!["missing"]!.AsArray());
        var id = item["id"]!.GetValue<string>();
        var table = await Agent("backup", "list", "--config", config);
        Assert.Contains("BUNDLE", table.Stdout, StringComparison.Ordinal);
        Assert.Matches($@"{id} .*\| +yes \|", table.Stdout);

        var verify = await Agent("backup", "verify", id, "--config", config);
        Assert.True(verify.ExitCode == 0, verify.Stderr);
        Assert.Contains("bundle:", verify.Stdout, StringComparison.Ordinal);
        Assert.Contains("intact", verify.Stdout, StringComparison.Ordinal);
        var drill = await Agent("drill", id, "--config", config, "-w", "json");
        Assert.True(drill.ExitCode == 0, drill.Stdout + drill.Stderr);
        Assert.Contains("bundle", JsonNode.Parse(drill.Stdout)!["stages"]!.AsArray().Select(s => s!["name"]!.GetValue<string>()));

        var extracted = _dir.File($"extracted-{store}");
        var download = await Agent("backup", "download", id, "--bundle", extracted, "--config", config);
        Assert.True(download.ExitCode == 0, download.Stderr);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(extracted));
        foreach (var relative in new[] { "etc/kubernetes/pki/ca.key", "etc/kubernetes/pki/etcd/ca.crt", "etc/kubernetes/pki/sa.key", "etc/kubernetes/enc/enc.yaml", "etc/kubernetes/admin.conf" })
        {
            Assert.Equal(await File.ReadAllBytesAsync(Path.Join(root, relative)), await File.ReadAllBytesAsync(Path.Join(extracted, relative)));
            Assert.Equal(File.GetUnixFileMode(Path.Join(root, relative)), File.GetUnixFileMode(Path.Join(extracted, relative)));
            Assert.Contains("/" + relative, download.Stdout, StringComparison.Ordinal);
        }

        // The snapshot and the bundle in one call; a non-empty DIR is refused before anything is fetched.
        var snapshot = _dir.File($"both-{store}.db");
        var both = await Agent("backup", "download", id, snapshot, "--bundle", _dir.File($"both-{store}"), "--config", config);
        Assert.True(both.ExitCode == 0, both.Stderr);
        Assert.True(File.Exists(snapshot));
        var again = await Agent("backup", "download", id, "--bundle", extracted, "--config", config);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("exists and is not empty", again.Stderr, StringComparison.Ordinal);
        var neither = await Agent("backup", "download", id, "--config", config);
        Assert.Equal(2, neither.ExitCode);
        Assert.Contains("--bundle DIR", neither.Stderr, StringComparison.Ordinal);

        AssertNoKeyMaterial(root, create, json, table, verify, drill, download, both);
        if (store == "local")
        {
            // At rest: the manifest lists paths, modes and hashes; the object is ciphertext.
            var folder = Path.Join(_dir.File("store"), $"with-{store}", "test", id);
            var manifestText = await File.ReadAllTextAsync(Path.Join(folder, "manifest.json"));
            Assert.Contains("\"/etc/kubernetes/pki/ca.key\"", manifestText, StringComparison.Ordinal);
            Assert.DoesNotContain("PRIVATE KEY", manifestText, StringComparison.Ordinal);
            var stored = await File.ReadAllBytesAsync(Directory.GetFiles(folder, "bundle.tar*").Single());
            Assert.EndsWith(".zst.enc", Directory.GetFiles(folder, "bundle.tar*").Single(), StringComparison.Ordinal);
            Assert.DoesNotContain("PRIVATE KEY", System.Text.Encoding.Latin1.GetString(stored), StringComparison.Ordinal);
            Assert.DoesNotContain("ca.key", System.Text.Encoding.Latin1.GetString(stored), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task WithoutAnEncryptionKeyTheBundleIsRefusedAndTheSnapshotIsStillStored()
    {
        var root = await FakeKubeadmTree.CreateAsync(_dir.File("node"));
        var config = WriteConfig("local", "nokey", root, encrypted: false);

        var check = await Agent("config", "check", "--config", config);
        Assert.Equal(2, check.ExitCode);
        Assert.Contains("bundle.enabled is true but no backup.encryption.keyFile is set", check.Stderr, StringComparison.Ordinal);

        var create = await Agent("backup", "create", "--config", config);
        Assert.Equal(1, create.ExitCode);
        Assert.Contains("was stored, but WITHOUT its recovery bundle", create.Stderr, StringComparison.Ordinal);
        Assert.Contains("no encryption key is configured", create.Stderr, StringComparison.Ordinal);
        Assert.Contains("Backup ", create.Stdout, StringComparison.Ordinal); // the snapshot's summary is still printed

        var list = await Agent("backup", "list", "--config", config, "-w", "json");
        var item = JsonNode.Parse(list.Stdout)!.AsArray().Single()!;
        Assert.Null(item["bundle"]);
        var folder = Path.Join(_dir.File("store"), "nokey", "test", item["id"]!.GetValue<string>());
        Assert.Empty(Directory.GetFiles(folder, "bundle*"));
        Assert.True((await Agent("backup", "verify", "latest", "--config", config)).ExitCode == 0);

        var download = await Agent("backup", "download", "latest", "--bundle", _dir.File("none"), "--config", config);
        Assert.Equal(10, download.ExitCode);
        Assert.Contains("has no recovery bundle", download.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_dir.File("none")));
        AssertNoKeyMaterial(root, check, create, download);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task TheDaemonStoresTheBundleOrLogsWhyNotAndSaysSoInItsMetric(bool encrypted)
    {
        var root = await FakeKubeadmTree.CreateAsync(_dir.File("node"));
        var port = FreePorts.Next();
        var prefix = $"daemon-{encrypted}";
        var config = WriteConfig("local", prefix, root, encrypted,
            $"schedule:\n  backup: \"*/2 * * * * ?\"\n  leaderDelay: 1s\n  stateDir: {_dir.File("state-" + prefix)}\n  drill: \"off\"\nmetrics:\n  address: 127.0.0.1:{port}\n");
        using var agent = AgentProcess.Start(["run", "--config", config], S3rverNode.Environment);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var metrics = string.Empty;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(30) && !metrics.Contains("etcd_agent_last_backup_bundle ", StringComparison.Ordinal))
        {
            try
            {
                metrics = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(300);
        }

        Assert.Equal(0, await agent.TerminateAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains($"etcd_agent_last_backup_bundle {(encrypted ? 1 : 0)}", metrics, StringComparison.Ordinal);
        var manifests = Directory.GetFiles(Path.Join(_dir.File("store"), prefix), "manifest.json", SearchOption.AllDirectories);
        Assert.NotEmpty(manifests);
        var bundles = Directory.GetFiles(Path.Join(_dir.File("store"), prefix), "bundle.tar*", SearchOption.AllDirectories);
        if (encrypted)
        {
            Assert.NotEmpty(bundles);
            Assert.Contains("recovery bundle stored", agent.Output, StringComparison.Ordinal);
        }
        else
        {
            Assert.Empty(bundles);
            Assert.Contains("<3>EtcdAgent.Backup[2007]", agent.Output, StringComparison.Ordinal); // error level under journald
            Assert.Contains("WITHOUT its recovery bundle", agent.Output, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("PRIVATE KEY", agent.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(FakeKubeadmTree.EncryptionSecret, agent.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("object", "recovery bundle is not")]
    [InlineData("listed sha256", "does not match its manifest")]
    [InlineData("listed path", "is damaged")]
    [InlineData("key outside", "is damaged")]
    public async Task AnEditedBundleOrManifestIsCaughtAndNothingIsExtracted(string edit, string expected)
    {
        var root = await FakeKubeadmTree.CreateAsync(_dir.File("node"));
        var config = WriteConfig("local", $"edit-{edit.Replace(' ', '-')}", root, encrypted: true);
        var create = await Agent("backup", "create", "--config", config);
        Assert.True(create.ExitCode == 0, create.Stderr);
        var folder = Directory.GetDirectories(Path.Join(_dir.File("store"), $"edit-{edit.Replace(' ', '-')}", "test")).Single();
        var manifestPath = Path.Join(folder, "manifest.json");
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(manifestPath))!;
        var files = manifest["bundle"]!["files"]!.AsArray();
        var caKey = files.First(f => f!["path"]!.GetValue<string>() == "/etc/kubernetes/pki/ca.key")!;
        switch (edit)
        {
            case "object":
                var objectPath = Directory.GetFiles(folder, "bundle.tar*").Single();
                var bytes = await File.ReadAllBytesAsync(objectPath);
                bytes[bytes.Length / 2] ^= 0x40;
                await File.WriteAllBytesAsync(objectPath, bytes);
                break;
            case "listed sha256":
                caKey["sha256"] = new string('0', 64);
                break;
            case "listed path":
                caKey["path"] = "/etc/kubernetes/../cron.d/evil";
                break;
            case "key outside":
                manifest["bundle"]!["key"] = "test/other-backup/bundle.tar.zst.enc";
                break;
        }

        if (edit != "object")
        {
            await File.WriteAllTextAsync(manifestPath, manifest.ToJsonString());
        }

        var verify = await Agent("backup", "verify", "latest", "--config", config);
        var list = await Agent("backup", "list", "--config", config);
        if (expected == "is damaged")
        {
            // The manifest itself cannot be trusted: the backup is damaged as a whole, never used.
            Assert.Contains("its bundle", list.Stderr, StringComparison.Ordinal);
            Assert.NotEqual(0, verify.ExitCode);
            return;
        }

        Assert.Equal(6, verify.ExitCode);
        Assert.Contains(expected, verify.Stderr, StringComparison.Ordinal);
        var drill = await Agent("drill", "latest", "--config", config, "-w", "json");
        Assert.Equal(6, drill.ExitCode);
        Assert.Equal("bundle", JsonNode.Parse(drill.Stdout)!["failedStage"]!.GetValue<string>());
        var target = _dir.File("target");
        var download = await Agent("backup", "download", "latest", "--bundle", target, "--config", config);
        Assert.Equal(6, download.ExitCode);
        Assert.False(Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any());
    }

    [Fact]
    public async Task ABundleThatPassesItsChecksButCannotBeExtractedLeavesNothingBehind()
    {
        // A hand-encrypted bundle whose manifest lists exactly what it holds — a link, and a file below that link — so
        // the hashes and the listing agree and only extraction refuses it (nothing is written through a link).
        var root = await FakeKubeadmTree.CreateAsync(_dir.File("node"));
        var config = WriteConfig("local", "below-link", root, encrypted: true);
        var create = await Agent("backup", "create", "--config", config);
        Assert.True(create.ExitCode == 0, create.Stderr);
        var folder = Directory.GetDirectories(Path.Join(_dir.File("store"), "below-link", "test")).Single();

        using var tar = new MemoryStream();
        var writer = new System.Formats.Tar.TarWriter(tar, System.Formats.Tar.TarEntryFormat.Pax, leaveOpen: true);
        await using (writer)
        {
            await writer.WriteEntryAsync(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "etc/kubernetes/a.conf")
            {
                Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                DataStream = new MemoryStream("first"u8.ToArray()),
            });
            await writer.WriteEntryAsync(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.SymbolicLink, "etc/kubernetes/pki") { LinkName = _dir.File("outside"), Mode = (UnixFileMode)0b111_111_111 });
            await writer.WriteEntryAsync(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "etc/kubernetes/pki/planted.key")
            {
                Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                DataStream = new MemoryStream("planted"u8.ToArray()),
            });
        }

        using var stored = new MemoryStream();
        var encoder = new EtcdAgent.Codecs.PayloadEncoder(stored, EtcdAgent.Configuration.CompressionKind.Zstd, 1, EtcdAgent.Codecs.Encryption.KeyringService.ReadKey(_dir.File("backup.key")));
        await using (encoder)
        {
            await encoder.WriteAsync(tar.ToArray(), default);
            await encoder.FinishAsync(default);
        }

        var objectPath = Directory.GetFiles(folder, "bundle.tar*").Single();
        await File.WriteAllBytesAsync(objectPath, stored.ToArray());
        var manifestPath = Path.Join(folder, "manifest.json");
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(manifestPath))!;
        var bundle = manifest["bundle"]!;
        bundle["sha256"] = Sha(stored.ToArray());
        bundle["size"] = stored.Length;
        bundle["rawSha256"] = Sha(tar.ToArray());
        bundle["rawSize"] = tar.Length;
        bundle["files"] = JsonNode.Parse($$"""
            [{"path":"/etc/kubernetes/a.conf","type":"file","mode":"0600","size":5,"sha256":"{{Sha("first"u8.ToArray())}}","linkTarget":null},
             {"path":"/etc/kubernetes/pki","type":"symlink","mode":"0777","size":0,"sha256":null,"linkTarget":"{{_dir.File("outside")}}"},
             {"path":"/etc/kubernetes/pki/planted.key","type":"file","mode":"0600","size":7,"sha256":"{{Sha("planted"u8.ToArray())}}","linkTarget":null}]
            """);
        await File.WriteAllTextAsync(manifestPath, manifest.ToJsonString());
        Directory.CreateDirectory(_dir.File("outside"));

        Assert.True((await Agent("backup", "verify", "latest", "--config", config)).ExitCode == 0); // hashes and listing agree
        var target = _dir.File("extract-here");
        var download = await Agent("backup", "download", "latest", "--bundle", target, "--config", config);

        Assert.Equal(6, download.ExitCode);
        Assert.Contains("would be written through the link", download.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(target)); // the first file it wrote is gone with the directory it made
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.File("outside")));
    }

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));

    private static void AssertNoKeyMaterial(string root, params ProcessRunner.Result[] results)
    {
        var said = string.Join('\n', results.Select(r => r.Stdout + r.Stderr));
        Assert.DoesNotContain("PRIVATE KEY", said, StringComparison.Ordinal);
        Assert.DoesNotContain(FakeKubeadmTree.EncryptionSecret, said, StringComparison.Ordinal);
        var caKey = File.ReadAllLines(Path.Join(root, "etc/kubernetes/pki/ca.key"))[1];
        Assert.DoesNotContain(caKey, said, StringComparison.Ordinal);
    }

    private string WriteConfig(string store, string prefix, string root, bool encrypted, string extra = "")
    {
        var key = _dir.File("backup.key");
        if (encrypted && !File.Exists(key))
        {
            var generate = AgentBinary.RunAsync("key", "generate", key).GetAwaiter().GetResult();
            Assert.True(generate.ExitCode == 0, generate.Stderr);
        }

        var local = Path.Join(_dir.File("store"), prefix);
        Directory.CreateDirectory(local);
        var storeYaml = store == "s3" ? fixture.S3.StoreYaml(prefix) : $"store:\n  type: local\n  local:\n    path: {local}";
        var path = _dir.File($"{prefix}.yaml");
        File.WriteAllText(path, $"""
            cluster: test
            node: node-a
            etcd:
              endpoints: [{fixture.Cluster.Endpoints}]
            {storeYaml}
            backup:
              spoolDir: {_dir.File("spool")}
            {(encrypted ? $"  encryption:\n    keyFile: {key}" : string.Empty)}
            bundle:
              enabled: true
              root: {root}
            drill:
              workDir: {_dir.File("drill")}
            {extra}
            """);
        return path;
    }

    private static Task<ProcessRunner.Result> Agent(params string[] args) => AgentBinary.RunAsync(args, S3rverNode.Environment);
}

using System.Formats.Tar;
using EtcdAgent.Bundle;
using EtcdAgent.Configuration;
using EtcdAgent.IntegrationTests.Fixtures;
using Xunit;

namespace EtcdAgent.IntegrationTests.Bundle;

/// <summary>
/// The recovery bundle's archive on a fake kubeadm tree in a temp root (keys and certificates made by openssl, an
/// encryption provider config named by kube-apiserver.yaml): what is collected, that it comes back byte-identical with
/// its modes, that links are kept as links and never followed, and that a hostile archive cannot write outside.
/// </summary>
public sealed class BundleArchiveTests : IDisposable
{
    private readonly TempDir _dir = new("etcd-agent-bundle");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task AKubeadmTreeRoundTripsByteIdenticalWithModesLinksKeptAndDevicesLeftOut()
    {
        var root = await FakeKubeadmTreeAsync();
        var options = new BundleOptions { Enabled = true, Root = root, Include = [.. BundleOptions.KubeadmInclude, "/etc/kubernetes/absent.conf"] };

        await File.WriteAllBytesAsync(Path.Join(root, "etc/kubernetes/pki/empty.crt"), []); // an empty file is a file, with the sha256 of nothing
        var candidates = BundleCollector.Collect(options);
        using var archive = new MemoryStream();
        var listing = await BundleArchiver.WriteAsync(archive, candidates, default);

        var paths = listing.Files.Select(f => f.Path).ToList();
        Assert.Contains("/etc/kubernetes/pki/ca.key", paths);
        Assert.Contains("/etc/kubernetes/pki/etcd/ca.key", paths);
        Assert.Contains("/etc/kubernetes/pki/sa.key", paths);
        Assert.Contains("/etc/kubernetes/manifests/kube-apiserver.yaml", paths);
        Assert.Contains("/etc/kubernetes/admin.conf", paths);
        Assert.Contains("/etc/kubernetes/enc/enc.yaml", paths); // found through kube-apiserver.yaml's flag
        Assert.DoesNotContain("/etc/kubernetes/manifests/notes.txt", paths); // *.yaml only
        Assert.Equal(["/etc/kubernetes/absent.conf"], listing.Missing);
        Assert.Contains(listing.Skipped, s => s.StartsWith("/etc/kubernetes/pki/fifo:", StringComparison.Ordinal));
        var link = Assert.Single(listing.Files, f => f.Type == "symlink");
        Assert.Equal(("/etc/kubernetes/pki/outside", "/etc/passwd"), (link.Path, link.LinkTarget));
        Assert.Equal("0600", listing.Files.Single(f => f.Path == "/etc/kubernetes/pki/ca.key").Mode);
        Assert.Equal("0644", listing.Files.Single(f => f.Path == "/etc/kubernetes/pki/ca.crt").Mode);
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", listing.Files.Single(f => f.Path == "/etc/kubernetes/pki/empty.crt").Sha256);
        Assert.All(listing.Files, f => Assert.Null(EtcdAgent.Manifests.ManifestCheck.BundleFileProblem(f))); // the manifest will not be "damaged"
        Assert.Null(await BundleContents.ProblemAsync(archive.ToArray(), new EtcdAgent.Manifests.BundleInfo("k", "s", 0, "s", 0, "id", "n", listing.Files, [], []), default));

        // Nothing of a key is in the listing (it goes into the manifest and the output): paths, modes, sizes, hashes.
        var described = string.Join('\n', listing.Files.Select(f => f.ToString()));
        Assert.DoesNotContain("PRIVATE KEY", described, StringComparison.Ordinal);
        Assert.DoesNotContain(await File.ReadAllTextAsync(Path.Join(root, "etc/kubernetes/enc/enc.yaml")), described, StringComparison.Ordinal);

        archive.Position = 0;
        var target = _dir.File("extracted");
        var written = await BundleExtractor.ExtractAsync(archive, target, default);
        Assert.Equal(listing.Files.Count, written.Count);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(target));
        foreach (var file in listing.Files.Where(f => f.Type == "file"))
        {
            var original = Path.Join(root, file.Path.TrimStart('/'));
            var copy = Path.Join(target, file.Path.TrimStart('/'));
            Assert.Equal(await File.ReadAllBytesAsync(original), await File.ReadAllBytesAsync(copy));
            Assert.Equal(File.GetUnixFileMode(original), File.GetUnixFileMode(copy));
            Assert.Equal(File.GetLastWriteTimeUtc(original).Ticks / TimeSpan.TicksPerSecond, File.GetLastWriteTimeUtc(copy).Ticks / TimeSpan.TicksPerSecond);
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(copy))), file.Sha256);
        }

        Assert.Equal("/etc/passwd", new FileInfo(Path.Join(target, "etc/kubernetes/pki/outside")).LinkTarget);

        // A second extract into the now non-empty directory is refused.
        archive.Position = 0;
        await Assert.ThrowsAsync<IOException>(() => BundleExtractor.ExtractAsync(archive, target, default));
    }

    [Theory]
    [InlineData("../escape.key")]
    [InlineData("/etc/cron.d/evil")]
    [InlineData("a/./b")]
    [InlineData("through-link")]
    [InlineData("device")]
    public async Task AHostileArchiveIsRefusedAndWritesNothingOutside(string kind)
    {
        using var archive = new MemoryStream();
        var writer = new TarWriter(archive, TarEntryFormat.Pax, leaveOpen: true);
        await using (writer)
        {
            switch (kind)
            {
                case "through-link":
                    await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.SymbolicLink, "etc") { LinkName = _dir.File("outside") });
                    await writer.WriteEntryAsync(Entry("etc/planted"));
                    break;
                case "device":
                    await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.CharacterDevice, "dev/null") { DeviceMajor = 1, DeviceMinor = 3 });
                    break;
                default:
                    await writer.WriteEntryAsync(Entry(kind));
                    break;
            }
        }

        Directory.CreateDirectory(_dir.File("outside"));
        archive.Position = 0;
        var target = _dir.File("target");
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => BundleExtractor.ExtractAsync(archive, target, default));
        Assert.Contains("the bundle's entry", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.File("outside")));
        Assert.False(File.Exists(Path.Join(_dir.Path, "escape.key")));
    }

    [Theory]
    [InlineData("etc/kubernetes/pki/**", "must be an absolute path")]
    [InlineData("/etc/kubernetes/../shadow", "must not have an empty")]
    [InlineData("/etc/*/pki/**", "may have * only in its last part")]
    [InlineData("/etc/kubernetes/*.*", "may have one * in a name")]
    public void AnIncludePatternThatCouldReachTooFarIsRefused(string pattern, string problem) =>
        Assert.StartsWith(problem, BundlePattern.Problem(pattern), StringComparison.Ordinal);

    private static PaxTarEntry Entry(string name) => new(TarEntryType.RegularFile, name) { DataStream = new MemoryStream("x"u8.ToArray()) };

    private Task<string> FakeKubeadmTreeAsync() => FakeKubeadmTree.CreateAsync(_dir.File("node"));
}

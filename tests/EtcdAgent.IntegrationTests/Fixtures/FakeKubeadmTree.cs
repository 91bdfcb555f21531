using Xunit;

namespace EtcdAgent.IntegrationTests.Fixtures;

/// <summary>
/// A kubeadm control plane's files under a temp root, as the recovery bundle sees them: CA and etcd CA keys and
/// certificates and a service-account key made by openssl, static pod manifests (kube-apiserver.yaml naming an
/// encryption provider config with a secret), a kubeconfig, a link leading out of the tree and a FIFO.
/// </summary>
internal static class FakeKubeadmTree
{
    /// <summary>The encryption provider config's secret: no output or log may ever show it.</summary>
    public const string EncryptionSecret = "c2VjcmV0IGlzIHNlY3JldCBzZWNyZXQhISEhISEhISE=";

    public static async Task<string> CreateAsync(string root, string etcdYaml = "spec: {}\n")
    {
        var pki = Path.Join(root, "etc/kubernetes/pki");
        Directory.CreateDirectory(Path.Join(pki, "etcd"));
        Directory.CreateDirectory(Path.Join(root, "etc/kubernetes/manifests"));
        Directory.CreateDirectory(Path.Join(root, "etc/kubernetes/enc"));
        foreach (var (key, cert) in new[] { ("ca.key", "ca.crt"), ("etcd/ca.key", "etcd/ca.crt") })
        {
            var made = await ProcessRunner.RunAsync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=kubernetes",
                "-keyout", Path.Join(pki, key), "-out", Path.Join(pki, cert)]);
            Assert.True(made.ExitCode == 0, made.Stderr);
            File.SetUnixFileMode(Path.Join(pki, key), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.SetUnixFileMode(Path.Join(pki, cert), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        var sa = await ProcessRunner.RunAsync("openssl", ["genrsa", "-out", Path.Join(pki, "sa.key"), "2048"]);
        Assert.True(sa.ExitCode == 0, sa.Stderr);
        File.CreateSymbolicLink(Path.Join(pki, "outside"), "/etc/passwd");
        var fifo = await ProcessRunner.RunAsync("mkfifo", [Path.Join(pki, "fifo")]);
        Assert.True(fifo.ExitCode == 0, fifo.Stderr);
        await File.WriteAllTextAsync(Path.Join(root, "etc/kubernetes/manifests/kube-apiserver.yaml"),
            "spec:\n  containers:\n  - command:\n    - kube-apiserver\n    - --encryption-provider-config=/etc/kubernetes/enc/enc.yaml\n");
        await File.WriteAllTextAsync(Path.Join(root, "etc/kubernetes/manifests/etcd.yaml"), etcdYaml);
        await File.WriteAllTextAsync(Path.Join(root, "etc/kubernetes/manifests/notes.txt"), "not a manifest\n");
        await File.WriteAllTextAsync(Path.Join(root, "etc/kubernetes/admin.conf"), "apiVersion: v1\nkind: Config\n");
        await File.WriteAllTextAsync(Path.Join(root, "etc/kubernetes/enc/enc.yaml"),
            $"kind: EncryptionConfiguration\nresources:\n- providers:\n  - aescbc:\n      keys:\n      - name: k1\n        secret: {EncryptionSecret}\n");
        return root;
    }
}

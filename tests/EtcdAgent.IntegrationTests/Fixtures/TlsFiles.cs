using EtcdAgent.Protocol.Connection;

namespace EtcdAgent.IntegrationTests.Fixtures;

/// <summary>A CA, a server pair for 127.0.0.1 and a client pair, made with openssl (EC P-256: fast).</summary>
public sealed class TlsFiles
{
    private TlsFiles(string dir)
    {
        Dir = dir;
    }

    public string Dir { get; }

    public string CaCert => Path.Combine(Dir, "ca.crt");

    public string ServerCert => Path.Combine(Dir, "server.crt");

    public string ServerKey => Path.Combine(Dir, "server.key");

    public string ClientCert => Path.Combine(Dir, "client.crt");

    public string ClientKey => Path.Combine(Dir, "client.key");

    /// <summary>A second, unrelated CA: a client trusting only it must refuse the server.</summary>
    public string OtherCaCert => Path.Combine(Dir, "other-ca.crt");

    public TlsSettings ClientSettings => new(CaCert, ClientCert, ClientKey);

    public static async Task<TlsFiles> CreateAsync(string dir)
    {
        Directory.CreateDirectory(dir);
        var files = new TlsFiles(dir);
        await Ca("ca");
        await Ca("other-ca");
        await Leaf("server", "etcd-server", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n");
        await Leaf("client", "root", "extendedKeyUsage=clientAuth\n");
        foreach (var key in Directory.GetFiles(dir, "*.key"))
        {
            File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return files;

        Task Ca(string name) => ProcessRunner.RunCheckedAsync("openssl", "req", "-x509", "-newkey", "ec",
            "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", P(name + ".key"), "-out", P(name + ".crt"),
            "-days", "2", "-subj", "/CN=" + name + "-test");

        async Task Leaf(string name, string cn, string extensions)
        {
            await File.WriteAllTextAsync(P(name + ".ext"), extensions);
            await ProcessRunner.RunCheckedAsync("openssl", "req", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", P(name + ".key"), "-out", P(name + ".csr"),
                "-subj", "/CN=" + cn);
            await ProcessRunner.RunCheckedAsync("openssl", "x509", "-req", "-in", P(name + ".csr"), "-CA", P("ca.crt"),
                "-CAkey", P("ca.key"), "-CAcreateserial", "-out", P(name + ".crt"), "-days", "2",
                "-extfile", P(name + ".ext"));
        }

        string P(string file) => Path.Combine(dir, file);
    }
}

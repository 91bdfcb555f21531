using EtcdAgent.Commands;
using EtcdAgent.Configuration;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Commands;

public sealed class ConnectionFlagsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("flags-").FullName;
    private readonly CliHarness _cli = new();

    public ConnectionFlagsTests()
    {
        // Never let the machine's own /etc/kubernetes influence a test.
        _cli.Environment["ETCD_AGENT_KUBEADM_PKI_DIR"] = Path.Combine(_dir, "no-pki");
    }

    private Etcd.EtcdConnectionSettingsView Resolve(params string[] args)
    {
        var flags = new ConnectionFlags();
        var root = new System.CommandLine.RootCommand();
        foreach (var option in flags.All)
        {
            root.Options.Add(option);
        }

        var settings = flags.Resolve(root.Parse(args), _cli.Context);
        return new Etcd.EtcdConnectionSettingsView(settings.Endpoints.Select(e => e.ToString()).ToList(), settings.CaFile,
            settings.CertFile, settings.KeyFile, settings.User, settings.Password, settings.DialTimeout, settings.Source);
    }

    [Fact]
    public void DefaultsToPlainLocalhostWhenNothingIsGiven()
    {
        var s = Resolve();
        Assert.Equal(["http://127.0.0.1:2379/"], s.Endpoints);
        Assert.Equal("default", s.Source);
        Assert.Equal(TimeSpan.FromSeconds(2), s.DialTimeout);
    }

    [Fact]
    public void DetectsKubeadmPkiWhenNoEndpointIsGiven()
    {
        var pki = Path.Combine(_dir, "pki", "etcd");
        Directory.CreateDirectory(pki);
        foreach (var f in new[] { "ca.crt", "healthcheck-client.crt", "healthcheck-client.key" })
        {
            File.WriteAllText(Path.Combine(pki, f), "x");
        }

        _cli.Environment["ETCD_AGENT_KUBEADM_PKI_DIR"] = pki;
        var s = Resolve();

        Assert.Equal(["https://127.0.0.1:2379/"], s.Endpoints);
        Assert.Equal(Path.Combine(pki, "ca.crt"), s.CaFile);
        Assert.Equal(Path.Combine(pki, "healthcheck-client.crt"), s.CertFile);
        Assert.Equal(Path.Combine(pki, "healthcheck-client.key"), s.KeyFile);
        Assert.StartsWith("kubeadm", s.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void FallsBackToTheApiserverClientPairOnKubeadm()
    {
        var pki = Path.Combine(_dir, "pki", "etcd");
        Directory.CreateDirectory(pki);
        File.WriteAllText(Path.Combine(pki, "ca.crt"), "x");
        File.WriteAllText(Path.Combine(_dir, "pki", "apiserver-etcd-client.crt"), "x");
        File.WriteAllText(Path.Combine(_dir, "pki", "apiserver-etcd-client.key"), "x");

        _cli.Environment["ETCD_AGENT_KUBEADM_PKI_DIR"] = pki;
        var s = Resolve();

        Assert.Equal(Path.Combine(_dir, "pki", "apiserver-etcd-client.crt"), s.CertFile);
    }

    [Fact]
    public void ExplicitEndpointsWinOverKubeadmAndGetASchemeFromTheTlsFlags()
    {
        var s = Resolve("--endpoints", "10.0.0.1:2379, 10.0.0.2:2379", "--cacert", "/x/ca.crt");
        Assert.Equal(["https://10.0.0.1:2379/", "https://10.0.0.2:2379/"], s.Endpoints);
        Assert.Equal("--endpoints", s.Source);
    }

    [Fact]
    public void EtcdctlEnvironmentVariablesAreHonoured()
    {
        _cli.Environment["ETCDCTL_ENDPOINTS"] = "http://127.0.0.1:3000";
        var s = Resolve();
        Assert.Equal(["http://127.0.0.1:3000/"], s.Endpoints);
        Assert.Equal("ETCDCTL_ENDPOINTS", s.Source);
    }

    [Fact]
    public void PasswordInUserFlagIsRefused()
    {
        var ex = Assert.Throws<ConfigurationException>(() => Resolve("--user", "root:secret"));
        Assert.Contains("--password-file", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", ex.Message.Replace("--password-file", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void UserWithoutPasswordIsRefused() =>
        Assert.Throws<ConfigurationException>(() => Resolve("--user", "root"));

    [Fact]
    public void PasswordComesFromTheEnvironment()
    {
        _cli.Environment["ETCD_AGENT_PASSWORD"] = "pw";
        var s = Resolve("--user", "root");
        Assert.Equal("pw", s.Password);
    }

    [Theory]
    [InlineData("ftp://x:1")]
    [InlineData("http://x:1/path")]
    [InlineData("not a url")]
    [InlineData("https://etcd-1")]
    [InlineData("http://[::1]")]
    [InlineData("etcd-1")]
    public void MalformedEndpointIsRefused(string endpoint)
    {
        var ex = Assert.Throws<ConfigurationException>(() => Resolve("--endpoints", endpoint));
        Assert.Contains("client URL", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IPv6EndpointWithPortIsAccepted() =>
        Assert.Equal(["http://[::1]:2379/"], Resolve("--endpoints", "http://[::1]:2379").Endpoints);

    [Fact]
    public void AbsurdTimeoutIsRefused()
    {
        var ex = Assert.Throws<ConfigurationException>(() => Resolve("--command-timeout", "1200h"));
        Assert.Contains("24h", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadDurationIsRefused()
    {
        var ex = Assert.Throws<ConfigurationException>(() => Resolve("--dial-timeout", "soon"));
        Assert.Contains("--dial-timeout", ex.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}

using EtcdAgent.Protocol.Connection;
using EtcdAgent.Protocol.Etcd;

namespace EtcdAgent.IntegrationTests.Fixtures;

/// <summary>A running etcd cluster of one or more members; everything is removed on dispose.</summary>
public sealed class EtcdCluster : IDisposable
{
    private readonly TempDir _root;

    private EtcdCluster(TempDir root, IReadOnlyList<EtcdNode> nodes)
    {
        _root = root;
        Nodes = nodes;
    }

    public IReadOnlyList<EtcdNode> Nodes { get; }

    public EtcdNode First => Nodes[0];

    public IReadOnlyList<Uri> ClientUrls => Nodes.Select(n => n.ClientUrl).ToList();

    public string Endpoints => string.Join(",", Nodes.Select(n => n.ClientUrl.ToString().TrimEnd('/')));

    public string Root => _root.Path;

    public static async Task<EtcdCluster> StartAsync(int members = 1, TlsFiles? tls = null,
        IEnumerable<string>? extraArgs = null)
    {
        var extra = extraArgs?.ToArray() ?? [];
        for (var attempt = 1; ; attempt++)
        {
            var root = new TempDir("etcd-agent-etcd");
            var nodes = Enumerable.Range(1, members).Select(i => new EtcdNode($"m{i}", root, tls)).ToList();
            var initialCluster = string.Join(",", nodes.Select(n => $"{n.Name}={n.PeerUrl}"));
            var token = "tok-" + Guid.NewGuid().ToString("N")[..8];
            try
            {
                foreach (var node in nodes)
                {
                    node.Start(initialCluster, token, extra);
                }

                foreach (var node in nodes)
                {
                    await node.WaitReadyAsync(TimeSpan.FromSeconds(30));
                }

                return new EtcdCluster(root, nodes);
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                // Most likely an ephemeral port was taken between probe and bind: start afresh.
                foreach (var node in nodes)
                {
                    node.Dispose();
                }

                root.Dispose();
            }
            catch
            {
                foreach (var node in nodes)
                {
                    node.Dispose();
                }

                root.Dispose();
                throw;
            }
        }
    }

    public EtcdClient Client(string? user = null, string? password = null, TimeSpan? commandTimeout = null,
        IReadOnlyList<Uri>? endpoints = null, TlsSettings? tls = null) =>
        new(new EtcdClientOptions
        {
            Endpoints = endpoints ?? ClientUrls,
            Username = user,
            Password = password,
            CommandTimeout = commandTimeout ?? TimeSpan.FromSeconds(5),
            Tls = tls ?? First.Tls?.ClientSettings,
        });

    /// <summary>etcdctl against this cluster (used to set up auth, never to check the client under test).</summary>
    public Task<ProcessRunner.Result> EtcdctlAsync(params string[] args)
    {
        var all = new List<string> { "--endpoints", Endpoints };
        if (First.Tls is { } tls)
        {
            all.AddRange(["--cacert", tls.CaCert, "--cert", tls.ClientCert, "--key", tls.ClientKey]);
        }

        all.AddRange(args);
        return ProcessRunner.RunAsync("etcdctl", all, new Dictionary<string, string?> { ["ETCDCTL_API"] = "3" });
    }

    public void Dispose()
    {
        foreach (var node in Nodes)
        {
            node.Dispose();
        }

        _root.Dispose();
    }
}

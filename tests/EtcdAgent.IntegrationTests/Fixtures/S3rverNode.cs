using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using EtcdAgent.Configuration;

namespace EtcdAgent.IntegrationTests.Fixtures;

/// <summary>
/// A real S3-compatible server: s3rver 3.7.1 (installed by scripts/install-deps.sh into tests/s3rver) on loopback with
/// an ephemeral port and a temp data directory, one bucket created at start. Credentials are s3rver's S3RVER/S3RVER.
/// </summary>
public sealed class S3rverNode : IDisposable
{
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";
    private readonly StringBuilder _log = new();
    private Process? _process;

    private S3rverNode(TempDir root, string bucket, TlsFiles? tls, int? port)
    {
        Root = root;
        Bucket = bucket;
        Tls = tls;
        DataDir = Path.Combine(root.Path, "s3rver");
        Directory.CreateDirectory(DataDir);
        Port = port ?? FreePorts.Next();
    }

    public TempDir Root { get; }

    /// <summary>When set, s3rver serves HTTPS with the fixture CA's server certificate.</summary>
    public TlsFiles? Tls { get; }

    public string Bucket { get; }

    public string DataDir { get; }

    public int Port { get; }

    public Uri Endpoint => new($"{(Tls is null ? "http" : "https")}://127.0.0.1:{Port}");

    /// <summary>Environment for an etcd-agent process that uses this server with environment credentials.</summary>
    public static Dictionary<string, string?> Environment => new()
    {
        ["AWS_ACCESS_KEY_ID"] = AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = SecretKey,
        ["AWS_EC2_METADATA_DISABLED"] = "true",
    };

    /// <summary>The S3 settings the product uses for this server.</summary>
    internal S3Options Options(string prefix = "etcd") => new()
    {
        Bucket = Bucket,
        Prefix = prefix,
        Endpoint = Endpoint,
        PathStyle = true,
        ChunkedEncoding = false,
        Credentials = CredentialSource.File,
        CredentialsFile = CredentialsFile(),
        PartSize = 5L << 20,
    };

    /// <summary>Starts s3rver with one bucket; pass the port of a killed server to restart it where clients expect it.</summary>
    public static async Task<S3rverNode> StartAsync(TempDir root, string bucket = "backups", TlsFiles? tls = null, int? port = null)
    {
        var node = new S3rverNode(root, bucket, tls, port);
        await node.RunAsync();
        return node;
    }

    /// <summary>An AWS shared-credentials file (0600) with s3rver's keys, or another access key id.</summary>
    public string CredentialsFile(string? accessKey = null)
    {
        var path = Root.File(accessKey is null ? "s3-credentials" : "s3-credentials-" + accessKey);
        File.WriteAllText(path, $"[default]\naws_access_key_id = {accessKey ?? AccessKey}\naws_secret_access_key = {SecretKey}\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    /// <summary>The YAML store section for this server.</summary>
    public string StoreYaml(string prefix = "etcd", string? bucket = null, string? credentialsFile = null) => $"""
        store:
          type: s3
          s3:
            bucket: {bucket ?? Bucket}
            prefix: {prefix}
            endpoint: {Endpoint}
            chunkedEncoding: false
            partSize: 5MiB
            credentials:
              source: file
              file: {credentialsFile ?? CredentialsFile()}
        """;

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>SIGKILL, as a crashed store would die.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    public void Dispose()
    {
        Kill();
        _process?.Dispose();
        _process = null;
    }

    private static string Script()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var script = Path.Combine(dir.FullName, "tests", "s3rver", "node_modules", "s3rver", "bin", "s3rver.js");
            if (File.Exists(script))
            {
                return script;
            }
        }

        throw new InvalidOperationException("s3rver is not installed: run scripts/install-deps.sh (npm ci in tests/s3rver)");
    }

    private async Task RunAsync()
    {
        var psi = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Script(), "-d", DataDir, "-a", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--silent", "--configure-bucket", Bucket })
        {
            psi.ArgumentList.Add(arg);
        }

        if (Tls is not null)
        {
            foreach (var arg in new[] { "--key", Tls.ServerKey, "--cert", Tls.ServerCert })
            {
                psi.ArgumentList.Add(arg);
            }
        }

        _process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start node (is nodejs installed?)");
        _process.OutputDataReceived += OnLine;
        _process.ErrorDataReceived += OnLine;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var started = Stopwatch.StartNew();
        while (started.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"s3rver exited at start (code {_process.ExitCode}):\n{Log}");
            }

            try
            {
                using var socket = new TcpClient();
                await socket.ConnectAsync("127.0.0.1", Port);

                // The bucket is configured right after listen; give it a moment.
                await Task.Delay(200);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new InvalidOperationException($"s3rver did not listen on {Port} within 30 s:\n{Log}");
    }

    private void OnLine(object sender, DataReceivedEventArgs e)
    {
        if (e.Data is not null)
        {
            lock (_log)
            {
                _log.AppendLine(e.Data);
            }
        }
    }
}

/// <summary>A single etcd and an s3rver for a test class.</summary>
public sealed class EtcdAndS3Fixture : Xunit.IAsyncLifetime, IDisposable
{
    private readonly TempDir _dir = new("etcd-agent-s3");

    public EtcdCluster Cluster { get; private set; } = null!;

    public S3rverNode S3 { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await EtcdCluster.StartAsync();
        S3 = await S3rverNode.StartAsync(_dir);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        Cluster?.Dispose();
        S3?.Dispose();
        _dir.Dispose();
    }
}

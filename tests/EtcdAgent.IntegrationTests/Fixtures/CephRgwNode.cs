using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using EtcdAgent.Configuration;

namespace EtcdAgent.IntegrationTests.Fixtures;

/// <summary>
/// A real Ceph RADOS Gateway (Ceph 16, apt packages ceph-mon, ceph-osd, radosgw): one monitor, one memstore OSD and
/// one radosgw as foreground children of the test, all state in one temp dir, no cephx, no mgr. Unlike s3rver it
/// checks SigV4 signatures and implements abort, upload listing, versioning and Object Lock. Ports stay below the
/// ephemeral range; every ceph/radosgw-admin call names the temp config. S3-ready in about 4 s.
/// </summary>
public sealed class CephRgwNode : IAsyncDisposable
{
    /// <summary>
    /// The memstore OSD keeps every object in RAM up to this size and reports it as the cluster's capacity. Tests
    /// write tens of MiB; 512 MiB leaves room for that plus RGW's own pools while a runaway test fills the
    /// "disk" (and gets a full error) long before it can take the shared 2-core machine's memory.
    /// </summary>
    public const long DefaultMemstoreBytes = 512L << 20;

    private const string RgwName = "client.rgw.a";
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);

    // In start order (mon, osd, rgw); stopped in reverse.
    private readonly List<Daemon> _daemons = [];
    private readonly TempDir _dir = new("etcd-agent-rgw");
    private readonly int _monPort = FreePorts.NextBelowEphemeral();
    private readonly long _memstoreBytes;
    private AmazonS3Client? _client;

    private CephRgwNode(long memstoreBytes)
    {
        _memstoreBytes = memstoreBytes;
        Port = FreePorts.NextBelowEphemeral();
        Conf = _dir.File("ceph.conf");

        // RGW's key format: 20 upper-case alphanumerics and 40 characters of secret.
        AccessKey = RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 20);
        SecretKey = RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 40);
    }

    public int Port { get; }

    public Uri Endpoint => new($"http://127.0.0.1:{Port}");

    public string AccessKey { get; }

    public string SecretKey { get; }

    /// <summary>The cluster's config; pass it to any ceph/radosgw-admin call, or they read /etc/ceph/ceph.conf.</summary>
    public string Conf { get; }

    public string DataDir => _dir.Path;

    /// <summary>From the first command to the first signed 200.</summary>
    public TimeSpan StartupTime { get; private set; }

    /// <summary>The daemons' PIDs (mon, osd, rgw) so a test can check that nothing outlives the fixture.</summary>
    public IReadOnlyList<int> ProcessIds => [.. _daemons.Select(d => d.Pid)];

    /// <summary>An SDK client with this gateway's user; the fixture's own requests (buckets, versioning) go through it.</summary>
    public AmazonS3Client Client => _client ?? throw new ObjectDisposedException(nameof(CephRgwNode));

    public static async Task<CephRgwNode> StartAsync(long memstoreBytes = DefaultMemstoreBytes)
    {
        var node = new CephRgwNode(memstoreBytes);
        try
        {
            await node.RunAsync();
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>The S3 settings the product uses for this gateway, with credentials from a file.</summary>
    internal S3Options Options(string bucket, string prefix = "etcd", string? secretKey = null, string? accessKey = null) => new()
    {
        Bucket = bucket,
        Prefix = prefix,
        Endpoint = Endpoint,
        PathStyle = true,
        ChecksumWhenRequired = true,
        Credentials = CredentialSource.File,
        CredentialsFile = CredentialsFile(accessKey ?? AccessKey, secretKey ?? SecretKey),
        PartSize = 5L << 20,
    };

    /// <summary>Creates a bucket, optionally with Object Lock (which also turns versioning on).</summary>
    public async Task CreateBucketAsync(string name, bool objectLock = false)
    {
        // RGW answers InvalidBucketName below 3 characters, where s3rver accepts "b": fail with the reason instead.
        ArgumentOutOfRangeException.ThrowIfLessThan(name.Length, 3, nameof(name));
        await Client.PutBucketAsync(new PutBucketRequest { BucketName = name, ObjectLockEnabledForBucket = objectLock });
    }

    public Task EnableVersioningAsync(string bucket) => Client.PutBucketVersioningAsync(new PutBucketVersioningRequest
    {
        BucketName = bucket,
        VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Enabled },
    });

    /// <summary>SIGKILL rgw, osd, mon by PID (rgw first: its graceful stop waits up to 120 s for a missing mon), then removes the dir.</summary>
    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        _client = null;
        for (var i = _daemons.Count - 1; i >= 0; i--)
        {
            await _daemons[i].KillAsync();
        }

        _daemons.Clear();
        _dir.Dispose();
    }

    private async Task RunAsync()
    {
        var watch = Stopwatch.StartNew();
        var fsid = Guid.NewGuid().ToString();
        var osdUuid = Guid.NewGuid().ToString();
        foreach (var sub in new[] { "log", "run", "crash", "rgw", "mon", "osd/ceph-0" })
        {
            Directory.CreateDirectory(_dir.File(sub));
        }

        await File.WriteAllTextAsync(Conf, ConfText(fsid));
        await StepAsync("ceph-authtool", "--create-keyring", _dir.File("keyring"), "--gen-key", "-n", "mon.", "--cap", "mon", "allow *");
        await StepAsync("monmaptool", "--create", "--fsid", fsid, "--addv", "a", $"[v2:127.0.0.1:{_monPort}]", _dir.File("monmap"));
        await StepAsync("ceph-mon", "-c", Conf, "--mkfs", "-i", "a", "--monmap", _dir.File("monmap"), "--keyring", _dir.File("keyring"));
        Launch("mon", "ceph-mon", "mon.a", "-c", Conf, "-i", "a", "-f");

        var id = (await StepAsync("ceph", "-c", Conf, "--connect-timeout", "60", "osd", "new", osdUuid)).Trim();
        if (id != "0")
        {
            throw Failure($"ceph osd new printed \"{id}\", expected 0");
        }

        await StepAsync("ceph-osd", "-c", Conf, "-i", "0", "--mkfs", "--osd-uuid", osdUuid);
        Launch("osd", "ceph-osd", "osd.0", "-c", Conf, "-i", "0", "-f");

        // Creates RGW's pools as a side effect, so it also waits for the OSD to serve them.
        await StepAsync("radosgw-admin", "-c", Conf, "user", "create", "--uid=test", "--display-name=test",
            "--access-key=" + AccessKey, "--secret-key=" + SecretKey);
        Launch("rgw", "radosgw", RgwName, "-c", Conf, "-n", RgwName, "-f");

        _client = RawS3.Client(Endpoint, AccessKey, SecretKey);
        await WaitReadyAsync();
        StartupTime = watch.Elapsed;
    }

    // Ready = a signed request succeeds: an anonymous GET / answers 200 before the user is usable.
    private async Task WaitReadyAsync()
    {
        var watch = Stopwatch.StartNew();
        Exception? last = null;
        while (watch.Elapsed < ReadyTimeout)
        {
            ThrowIfAnyExited();
            try
            {
                var response = await Client.ListBucketsAsync();
                if (response.HttpStatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is AmazonServiceException or HttpRequestException or IOException or TaskCanceledException)
            {
                last = ex;
            }

            await Task.Delay(100);
        }

        throw Failure($"radosgw did not answer a signed GET / on {Endpoint} within {ReadyTimeout.TotalSeconds} s (last: {last?.Message})");
    }

    private string ConfText(string fsid)
    {
        var d = _dir.Path;

        // Every path under the temp dir: the defaults point at /var/lib/ceph, /var/log/ceph and /var/run/ceph.
        // "ms mon client mode = crc" is the one that matters most: without it radosgw retries auth (-13) forever.
        return $"""
            [global]
            fsid = {fsid}
            mon host = [v2:127.0.0.1:{_monPort}]
            public addr = 127.0.0.1
            cluster addr = 127.0.0.1
            ms bind ipv6 = false
            ms bind msgr1 = false
            auth cluster required = none
            auth service required = none
            auth client required = none
            ms mon client mode = crc
            ms client mode = crc
            ms service mode = crc
            ms cluster mode = crc
            ms mon service mode = crc
            ms mon cluster mode = crc
            run dir = {d}/run
            admin socket = {d}/run/$name.asok
            log file = {d}/log/$name.log
            mon cluster log file = default={d}/log/$cluster.$channel.log cluster={d}/log/$cluster.log
            crash dir = {d}/crash
            keyring = {d}/keyring
            mon data = {d}/mon/$cluster-$id
            osd data = {d}/osd/$cluster-$id
            osd objectstore = memstore
            memstore device bytes = {_memstoreBytes.ToString(CultureInfo.InvariantCulture)}
            osd pool default size = 1
            osd pool default min size = 1
            mon allow pool size one = true
            osd pool default pg num = 8
            osd pool default pgp num = 8
            osd pool default pg autoscale mode = off
            osd crush chooseleaf type = 0
            paxos propose interval = 0.05

            [{RgwName}]
            rgw frontends = beast endpoint=127.0.0.1:{Port}
            rgw data = {d}/rgw

            """;
    }

    private string CredentialsFile(string accessKey, string secretKey)
    {
        var path = _dir.File($"s3-credentials-{accessKey}-{secretKey[..4]}");
        File.WriteAllText(path, $"[default]\naws_access_key_id = {accessKey}\naws_secret_access_key = {secretKey}\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    /// <summary>Runs one setup command; a failure names it and shows what every daemon logged.</summary>
    private async Task<string> StepAsync(string fileName, params string[] args)
    {
        ThrowIfAnyExited();
        ProcessRunner.Result result;
        try
        {
            result = await ProcessRunner.RunAsync(fileName, args, timeout: StepTimeout);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw Failure($"cannot run {fileName} ({ex.Message}): apt-get install ceph-mon ceph-osd radosgw", ex);
        }
        catch (TimeoutException ex)
        {
            throw Failure(ex.Message, ex);
        }

        if (result.ExitCode != 0)
        {
            throw Failure($"{fileName} {string.Join(' ', args)} exited {result.ExitCode}:\n{result.Stderr}{result.Stdout}");
        }

        return result.Stdout;
    }

    private void Launch(string role, string fileName, string cephName, params string[] args)
    {
        try
        {
            _daemons.Add(Daemon.Start(role, fileName, _dir.File($"log/{cephName}.log"), args));
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw Failure($"cannot run {fileName} ({ex.Message}): apt-get install ceph-mon ceph-osd radosgw", ex);
        }
    }

    private void ThrowIfAnyExited()
    {
        if (_daemons.FirstOrDefault(d => d.HasExited) is { } dead)
        {
            throw Failure($"{dead.Role} exited during start-up (code {dead.ExitCode})");
        }
    }

    private InvalidOperationException Failure(string what, Exception? inner = null)
    {
        var message = new StringBuilder($"Ceph RGW fixture in {_dir.Path} failed: {what}");
        foreach (var daemon in _daemons)
        {
            message.Append(CultureInfo.InvariantCulture, $"\n--- {daemon.Role} (pid {daemon.Pid}) ---\n").Append(daemon.Tail());
        }

        var admin = _dir.File("log/client.admin.log");
        if (File.Exists(admin) && new FileInfo(admin).Length > 0)
        {
            message.Append("\n--- ceph/radosgw-admin ---\n").Append(Daemon.TailOf(admin, string.Empty));
        }

        return new InvalidOperationException(message.ToString(), inner);
    }

    /// <summary>One foreground daemon: its PID, its stdout/stderr kept in memory and its log file.</summary>
    private sealed class Daemon(string role, Process process, string logFile)
    {
        private const int TailLines = 25;
        private readonly StringBuilder _output = new();

        public string Role => role;

        public int Pid { get; } = process.Id;

        public bool HasExited => process.HasExited;

        public int ExitCode => process.ExitCode;

        public static Daemon Start(string role, string fileName, string logFile, string[] args)
        {
            var psi = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in args)
            {
                psi.ArgumentList.Add(arg);
            }

            var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {fileName}");
            var daemon = new Daemon(role, process, logFile);
            process.OutputDataReceived += daemon.OnLine;
            process.ErrorDataReceived += daemon.OnLine;
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return daemon;
        }

        public static string TailOf(string path, string output)
        {
            string log;
            try
            {
                // The daemon may still be writing: share the file.
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var reader = new StreamReader(stream);
                log = string.Join('\n', reader.ReadToEnd().Split('\n').TakeLast(TailLines));
            }
            catch (IOException ex)
            {
                log = $"({path}: {ex.Message})";
            }

            return output.Length == 0 ? log : $"{log}\n(stdout/stderr)\n{output}";
        }

        public string Tail()
        {
            lock (_output)
            {
                return TailOf(logFile, string.Join('\n', _output.ToString().Split('\n').TakeLast(TailLines)).Trim());
            }
        }

        public async Task KillAsync()
        {
            try
            {
                // Process.Kill is SIGKILL on Linux, sent to this PID only: the daemons do not fork.
                process.Kill();
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await process.WaitForExitAsync(cts.Token);
            }
            catch (InvalidOperationException)
            {
                // Already exited.
            }
            finally
            {
                process.Dispose();
            }
        }

        private void OnLine(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is not null)
            {
                lock (_output)
                {
                    _output.AppendLine(e.Data);
                }
            }
        }
    }
}

/// <summary>
/// The one Ceph RGW of the test run, shared by every class in the "Ceph RGW" collection: its start-up (about 4 s) is
/// paid once, and three gateways with their monitors and in-memory OSDs side by side on two loaded cores made RGW
/// answer an odd 400 to a request now and then.
/// </summary>
[Xunit.CollectionDefinition(CephRgwFixture.Collection)]
public sealed class CephRgwShared : Xunit.ICollectionFixture<CephRgwFixture>
{
}

/// <summary>Starts the shared Ceph RGW (see <see cref="CephRgwShared"/>).</summary>
public sealed class CephRgwFixture : Xunit.IAsyncLifetime
{
    public const string Collection = "Ceph RGW";

    public CephRgwNode Rgw { get; private set; } = null!;

    public async Task InitializeAsync() => Rgw = await CephRgwNode.StartAsync();

    public async Task DisposeAsync()
    {
        if (Rgw is not null)
        {
            await Rgw.DisposeAsync();
        }
    }
}

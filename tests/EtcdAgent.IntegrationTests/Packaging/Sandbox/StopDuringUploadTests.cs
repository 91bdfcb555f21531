using System.Diagnostics;
using Amazon.S3.Model;
using EtcdAgent.IntegrationTests.Fixtures;
using Xunit;

namespace EtcdAgent.IntegrationTests.Packaging.Sandbox;

/// <summary>
/// `systemctl stop` while the installed service is uploading, against Ceph RGW (s3rver neither lists nor aborts
/// multipart uploads, so only a fuller S3 can show the abort). With a gateway of its own: after a part was cut off
/// mid-request, the shared gateway answered a later test's request with a code-less 400 now and then. In RGW's
/// collection only to run alone among the RGW tests; the one sandbox it boots may run beside one of
/// <see cref="SystemdSandboxGroup"/>'s.
/// </summary>
[Collection(CephRgwFixture.Collection)]
public sealed class StopDuringUploadTests
{
    private const string Bucket = "sbx-stop";

    [Fact]
    public async Task StopDuringAnUploadEndsWithinTheStopTimeoutAbortsTheUploadAndWritesNoManifest()
    {
        using var etcd = await EtcdCluster.StartAsync();
        // Enough incompressible data for a multipart upload (5 MiB parts) whose first part the proxy freezes.
        using (var client = etcd.Client())
        {
            for (var i = 0; i < 90; i++)
            {
                await client.PutAsync($"/stop-test/{i:D3}", Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(96 * 1024)));
            }
        }

        await using var rgw = await CephRgwNode.StartAsync();
        await rgw.CreateBucketAsync(Bucket);
        await using var proxy = new StallingProxy(rgw.Endpoint, stallAfterBytes: 1 << 20);
        await using var sandbox = await InstalledAgent.BootAndInstallAsync();
        await sandbox.WriteFileAsync("/etc/etcd-agent/s3-credentials",
            $"[default]\naws_access_key_id = {rgw.AccessKey}\naws_secret_access_key = {rgw.SecretKey}\n");
        await sandbox.WriteFileAsync(InstalledAgent.ConfigPath, $"""
            cluster: sbx
            etcd:
              endpoints: [{etcd.Endpoints}]
            store:
              type: s3
              s3:
                bucket: {Bucket}
                prefix: etcd
                endpoint: {proxy.Address}
                checksum: when-required
                partSize: 5MiB
                credentials:
                  source: file
                  file: /etc/etcd-agent/s3-credentials
            schedule:
              backup: "*/5 * * * * ?"
            metrics:
              address: 127.0.0.1:{FreePorts.Next()}
            """);
        await sandbox.RunCheckedAsync("systemctl", "start", InstalledAgent.Unit);

        var stalled = await Task.WhenAny(proxy.Stalled, Task.Delay(TimeSpan.FromSeconds(60)));
        Assert.True(stalled == proxy.Stalled, "no upload reached the store within 60 s");
        var s3 = rgw.Client;
        Assert.NotEmpty(await PendingAsync(s3));

        var stop = Stopwatch.StartNew();
        await sandbox.RunCheckedAsync("systemctl", "stop", InstalledAgent.Unit);
        stop.Stop();
        Assert.True(stop.Elapsed < TimeSpan.FromSeconds(45), $"stop took {stop.Elapsed.TotalSeconds:0.0} s (TimeoutStopSec=45s)");
        var journal = $"stop took {stop.Elapsed.TotalSeconds:0.0} s\n" + (await sandbox.RunAsync("journalctl", "-u", InstalledAgent.Unit, "-o", "short-precise", "--no-pager")).Stdout;
        Assert.True(await sandbox.PropertyAsync(InstalledAgent.Unit, "ActiveState") == "inactive", journal);
        Assert.True(await sandbox.PropertyAsync(InstalledAgent.Unit, "Result") == "success", journal);

        Assert.Empty(await PendingAsync(s3));
        var objects = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket });
        Assert.DoesNotContain(objects.S3Objects ?? [], o => o.Key.EndsWith("manifest.json", StringComparison.Ordinal));
    }

    private static async Task<List<MultipartUpload>> PendingAsync(Amazon.S3.AmazonS3Client s3) =>
        (await s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = Bucket })).MultipartUploads ?? [];
}

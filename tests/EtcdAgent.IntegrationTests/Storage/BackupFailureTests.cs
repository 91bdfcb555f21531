using System.Diagnostics;
using EtcdAgent.IntegrationTests.Fixtures;
using Google.Protobuf;
using Xunit;

namespace EtcdAgent.IntegrationTests.Storage;

/// <summary>The store dying in the middle of a backup: the command fails, and nothing becomes visible.</summary>
public sealed class BackupFailureTests(SingleEtcdFixture fixture) : IClassFixture<SingleEtcdFixture>, IDisposable
{
    private readonly TempDir _dir = new("etcd-agent-s3fail");

    [Fact]
    public async Task S3rverKilledMidUploadFailsTheBackupAndNothingIsListed()
    {
        // ~24 MB of incompressible values: several 5 MiB parts, slowed to 4 MiB/s so the kill lands mid-upload.
        using (var client = fixture.Cluster.Client(commandTimeout: TimeSpan.FromSeconds(30)))
        {
            var value = new byte[512 * 1024];
            for (var i = 0; i < 48; i++)
            {
                Random.Shared.NextBytes(value);
                await client.PutAsync(new Etcdserverpb.PutRequest { Key = ByteString.CopyFromUtf8($"/registry/big/{i:D3}"), Value = ByteString.CopyFrom(value) });
            }
        }

        var s3 = await S3rverNode.StartAsync(_dir);
        var config = WriteConfig(s3);
        var run = AgentBinary.RunAsync(["backup", "create", "--config", config], S3rverNode.Environment);
        var watch = Stopwatch.StartNew();
        while (!UploadStarted(s3) && watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(50);
        }

        await Task.Delay(500);
        s3.Kill();
        var result = await run;
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("cannot reach the store", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("failed (attempt 1), retrying", result.Stderr, StringComparison.Ordinal); // parts were in flight
        Assert.Empty(Directory.GetFiles(_dir.File("spool"))); // nothing verified was left half-stored

        // The same data directory served again: no backup is visible.
        using var again = await S3rverNode.StartAsync(_dir);
        var list = await AgentBinary.RunAsync(["backup", "list", "--config", WriteConfig(again), "-w", "json"], S3rverNode.Environment);
        Assert.True(list.ExitCode == 0, list.Stderr);
        Assert.Equal("[]", list.Stdout.Trim());
        s3.Dispose();
    }

    public void Dispose() => _dir.Dispose();

    private static bool UploadStarted(S3rverNode s3) =>
        Directory.Exists(s3.DataDir) && Directory.EnumerateFileSystemEntries(s3.DataDir, "*", SearchOption.AllDirectories).Count() > 1;

    private string WriteConfig(S3rverNode s3)
    {
        var path = _dir.File("config.yaml");
        File.WriteAllText(path, $"""
            cluster: test
            node: node-a
            etcd:
              endpoints: [{fixture.Cluster.Endpoints}]
            {s3.StoreYaml("killed")}
                bandwidthLimit: 4MiB
            backup:
              compression: none
              spoolDir: {_dir.File("spool")}
            """);
        return path;
    }
}

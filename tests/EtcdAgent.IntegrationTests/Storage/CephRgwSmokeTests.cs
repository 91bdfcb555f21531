using System.Diagnostics;
using EtcdAgent.Configuration;
using EtcdAgent.IntegrationTests.Fixtures;
using EtcdAgent.Storage;
using EtcdAgent.Storage.S3;
using Xunit;
using Xunit.Abstractions;

namespace EtcdAgent.IntegrationTests.Storage;

/// <summary>
/// The product's S3 store against a real Ceph RGW, which (unlike s3rver) checks signatures and implements the whole
/// multipart API; and the fixture itself: it starts, answers and leaves nothing behind.
/// </summary>
[Collection(CephRgwFixture.Collection)]
public sealed class CephRgwSmokeTests(CephRgwFixture fixture, ITestOutputHelper output)
{
    private CephRgwNode Rgw => fixture.Rgw;

    [Fact]
    public async Task PutGetListAndDeleteRoundTrip()
    {
        await Rgw.CreateBucketAsync("smoke-put");
        using var store = Store(Rgw.Options("smoke-put"));
        var content = new byte[1000];
        Random.Shared.NextBytes(content);

        await store.ProbeAsync(CancellationToken.None);
        await store.PutAsync("c/manifest.json", content, CancellationToken.None);

        Assert.Equal(content, await ReadAllAsync(store, "c/manifest.json"));
        var listed = new List<StoredObject>();
        await foreach (var item in store.ListAsync("c/", CancellationToken.None))
        {
            listed.Add(item);
        }

        var only = Assert.Single(listed);
        Assert.Equal(("c/manifest.json", 1000L), (only.Key, only.Size));
        await store.DeleteAsync("c/manifest.json", CancellationToken.None);
        var gone = await Assert.ThrowsAsync<StoreException>(() => store.OpenReadAsync("c/manifest.json", CancellationToken.None));
        Assert.Equal(StoreFault.NotFound, gone.Fault);
    }

    [Fact]
    public async Task MultipartUploadOfFourPartsReadsBackByteIdentical()
    {
        await Rgw.CreateBucketAsync("smoke-multipart");
        using var store = Store(Rgw.Options("smoke-multipart"));
        var data = new byte[(17 << 20) + 123]; // 3 × 5 MiB + a 2 MiB tail
        Random.Shared.NextBytes(data);

        var watch = Stopwatch.StartNew();
        var written = await store.UploadAsync("c/big", async (stream, ct) =>
        {
            for (var offset = 0; offset < data.Length; offset += 100_000)
            {
                await stream.WriteAsync(data.AsMemory(offset, Math.Min(100_000, data.Length - offset)), ct);
            }
        }, CancellationToken.None);
        output.WriteLine($"upload of {data.Length} bytes: {watch.Elapsed.TotalSeconds:F2} s");

        Assert.Equal(data.Length, written);
        Assert.Equal(data, await ReadAllAsync(store, "c/big"));

        // The object really was assembled from 4 parts, and nothing is left pending.
        var head = await Rgw.Client.GetObjectMetadataAsync("smoke-multipart", "etcd/c/big");
        Assert.EndsWith("-4\"", head.ETag, StringComparison.Ordinal);
        Assert.Empty(await store.ListPendingUploadsAsync("c/", CancellationToken.None));
    }

    [Fact]
    public async Task AFailedUploadIsReallyAbortedLeavingNoPendingUpload()
    {
        // s3rver cannot abort (405), so only the request is checked there; RGW shows the abort took effect.
        await Rgw.CreateBucketAsync("smoke-abort");
        using var store = Store(Rgw.Options("smoke-abort"));
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => store.UploadAsync("c/failed", async (stream, ct) =>
        {
            await stream.WriteAsync(new byte[12 << 20], ct);
            throw new InvalidDataException("verification failed");
        }, CancellationToken.None));

        Assert.Equal("verification failed", error.Message);
        Assert.Empty(await store.ListPendingUploadsAsync("c/", CancellationToken.None));
        await foreach (var item in store.ListAsync("c/", CancellationToken.None))
        {
            Assert.Fail($"nothing may be listed, found {item.Key}");
        }
    }

    [Fact]
    public async Task AWrongSecretOrUnknownKeyIsACredentialError()
    {
        await Rgw.CreateBucketAsync("smoke-denied");
        using (var good = Store(Rgw.Options("smoke-denied")))
        {
            await good.PutAsync("c/x", new byte[10], CancellationToken.None);
        }

        // RGW checks the signature, so a wrong secret is refused (s3rver 3.7.1 would accept it).
        using var wrongSecret = Store(Rgw.Options("smoke-denied", secretKey: new string('x', 40)));
        var probe = await Assert.ThrowsAsync<StoreException>(() => wrongSecret.ProbeAsync(CancellationToken.None));
        Assert.Equal(StoreFault.Denied, probe.Fault);
        var read = await Assert.ThrowsAsync<StoreException>(() => wrongSecret.OpenReadAsync("c/x", CancellationToken.None));
        Assert.Equal(StoreFault.Denied, read.Fault);
        Assert.Contains("SignatureDoesNotMatch", read.Message, StringComparison.Ordinal);
        Assert.Contains("check store.s3.credentials", read.Message, StringComparison.Ordinal);

        using var unknownKey = Store(Rgw.Options("smoke-denied", accessKey: "NOSUCHKEY0000000000"));
        var unknown = await Assert.ThrowsAsync<StoreException>(() => unknownKey.OpenReadAsync("c/x", CancellationToken.None));
        Assert.Equal(StoreFault.Denied, unknown.Fault);
        Assert.Contains("InvalidAccessKeyId", unknown.Message, StringComparison.Ordinal);
        output.WriteLine(probe.Message);
        output.WriteLine(read.Message);
    }

    [Fact]
    public async Task TheFixtureStartsAndStopsLeavingNoProcessOrDirectory()
    {
        output.WriteLine($"shared fixture start-up: {Rgw.StartupTime.TotalSeconds:F2} s");
        var node = await CephRgwNode.StartAsync();
        output.WriteLine($"start-up: {node.StartupTime.TotalSeconds:F2} s");
        var pids = node.ProcessIds;
        var dir = node.DataDir;
        Assert.Equal(3, pids.Count);
        Assert.All(pids, pid => Assert.True(Directory.Exists($"/proc/{pid}")));

        var watch = Stopwatch.StartNew();
        await node.DisposeAsync();
        output.WriteLine($"teardown: {watch.Elapsed.TotalSeconds:F2} s");

        Assert.All(pids, pid => Assert.False(Directory.Exists($"/proc/{pid}"), $"pid {pid} still running"));
        Assert.False(Directory.Exists(dir));
    }

    private static S3ObjectStore Store(S3Options options) =>
        new(S3ClientFactory.Create(options), options, new ListLogger<S3ObjectStore>(), TimeProvider.System);

    private static async Task<byte[]> ReadAllAsync(S3ObjectStore store, string key)
    {
        await using var stream = await store.OpenReadAsync(key, CancellationToken.None);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }
}

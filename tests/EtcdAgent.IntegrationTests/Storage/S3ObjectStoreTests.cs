using EtcdAgent.Configuration;
using EtcdAgent.IntegrationTests.Fixtures;
using EtcdAgent.Storage;
using EtcdAgent.Storage.S3;
using Xunit;

namespace EtcdAgent.IntegrationTests.Storage;

/// <summary>
/// The S3 store against real s3rver, with a recording handler for what s3rver does not implement (abort, listing
/// uploads, Object Lock, SSE): those are checked by the requests the client sends.
/// </summary>
public sealed class S3ObjectStoreTests : IAsyncLifetime, IDisposable
{
    private readonly TempDir _dir = new("etcd-agent-s3store");
    private S3rverNode _s3 = null!;

    public async Task InitializeAsync() => _s3 = await S3rverNode.StartAsync(_dir);

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _s3?.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task UploadOfManyPartsRoundTripsWithPlainBodiesAndAtMostPartsInFlightBuffers()
    {
        RecordingHandler? recorder = null;
        var options = _s3.Options() with { PartsInFlight = 2 };
        using var store = Store(options, h => recorder = new RecordingHandler(h, TimeSpan.FromMilliseconds(300)));
        var data = new byte[(23 << 20) + 123];
        Random.Shared.NextBytes(data);

        var written = await store.UploadAsync("c/big", async (stream, ct) =>
        {
            for (var offset = 0; offset < data.Length; offset += 100_000)
            {
                await stream.WriteAsync(data.AsMemory(offset, Math.Min(100_000, data.Length - offset)), ct);
            }
        }, CancellationToken.None);

        Assert.Equal(data.Length, written);
        Assert.Equal(data, await ReadAllAsync(store, "c/big"));
        var parts = recorder!.Requests.Where(r => r.Uri.Query.Contains("partNumber=", StringComparison.Ordinal)).ToList();
        Assert.Equal(5, parts.Count); // 4 × 5 MiB + the rest
        Assert.Equal(2, recorder.MaxPartsInFlight); // overlapped, and never more than configured
        Assert.All(parts, p =>
        {
            // s3rver stores aws-chunked framing as data: bodies must be plain and signed whole.
            Assert.False(p.Headers.TryGetValue("content-encoding", out var encoding) && encoding.Contains("aws-chunked", StringComparison.Ordinal));
            Assert.DoesNotContain("STREAMING", p.Headers["x-amz-content-sha256"], StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task SmallObjectsGoUpInOnePutWithoutMultipart()
    {
        RecordingHandler? recorder = null;
        using var store = Store(_s3.Options(), h => recorder = new RecordingHandler(h));
        await store.UploadAsync("c/small", (stream, ct) => stream.WriteAsync(new byte[1000], ct).AsTask(), CancellationToken.None);

        Assert.DoesNotContain(recorder!.Requests, r => r.Uri.Query.Contains("uploads", StringComparison.Ordinal));
        Assert.Equal(1000, (await ReadAllAsync(store, "c/small")).Length);
    }

    [Fact]
    public async Task AFailedUploadIsAbortedWithItsUploadIdAndNothingIsListed()
    {
        RecordingHandler? recorder = null;
        var logger = new ListLogger<S3ObjectStore>();
        using var store = new S3ObjectStore(S3ClientFactory.Create(_s3.Options(), h => recorder = new RecordingHandler(h)), _s3.Options(), logger, TimeProvider.System);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => store.UploadAsync("c/failed", async (stream, ct) =>
        {
            await stream.WriteAsync(new byte[12 << 20], ct);
            throw new InvalidDataException("verification failed");
        }, CancellationToken.None));

        Assert.Equal("verification failed", error.Message); // the original error, not the abort's
        var initiate = Assert.Single(recorder!.Requests, r => r.Method == "POST" && r.Uri.Query.Contains("uploads", StringComparison.Ordinal));
        var abort = Assert.Single(recorder.Requests, r => r.Method == "DELETE" && r.Uri.Query.Contains("uploadId=", StringComparison.Ordinal));
        Assert.EndsWith("/etcd/c/failed", abort.Uri.AbsolutePath, StringComparison.Ordinal);
        Assert.Equal(405, abort.Status); // s3rver cannot abort: recorded as a warning for prune
        Assert.Contains(logger.Events, e => e.Id.Id == 2101);
        Assert.DoesNotContain(recorder.Requests, r => r.Method == "POST" && r.Uri.Query.Contains("uploadId=", StringComparison.Ordinal)); // never completed
        await foreach (var item in store.ListAsync("c/", CancellationToken.None))
        {
            Assert.Fail($"nothing may be listed, found {item.Key}");
        }
    }

    [Fact]
    public async Task ACancelledUploadIsAbortedEvenThoughItsTokenIsCancelled()
    {
        RecordingHandler? recorder = null;
        using var store = Store(_s3.Options(), h => recorder = new RecordingHandler(h));
        using var cts = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.UploadAsync("c/cancelled", async (stream, ct) =>
        {
            await stream.WriteAsync(new byte[11 << 20], ct);
            await cts.CancelAsync();
            ct.ThrowIfCancellationRequested();
        }, cts.Token));

        Assert.Single(recorder!.Requests, r => r.Method == "DELETE" && r.Uri.Query.Contains("uploadId=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SseStorageClassAndObjectLockAreSentOnEveryWrite()
    {
        RecordingHandler? recorder = null;
        var options = _s3.Options() with
        {
            ServerSideEncryption = "aws:kms",
            KmsKeyId = "arn:aws:kms:us-east-1:111122223333:key/test",
            StorageClass = "STANDARD_IA",
            ObjectLockMode = "GOVERNANCE",
            ObjectLockDays = 30,
        };
        using var store = Store(options, h => recorder = new RecordingHandler(h));
        try
        {
            await store.PutAsync("c/manifest.json", new byte[10], CancellationToken.None);
        }
        catch (StoreException)
        {
            // s3rver may refuse KMS; the request is what this test is about.
        }

        try
        {
            await store.UploadAsync("c/payload", (stream, ct) => stream.WriteAsync(new byte[6 << 20], ct).AsTask(), CancellationToken.None);
        }
        catch (StoreException)
        {
        }

        var writes = recorder!.Requests.Where(r => r.Method == "PUT" && !r.Uri.Query.Contains("partNumber", StringComparison.Ordinal)
                                                   || (r.Method == "POST" && r.Uri.Query.Contains("uploads", StringComparison.Ordinal))).ToList();
        Assert.Equal(2, writes.Count);
        Assert.All(writes, w =>
        {
            Assert.Equal("aws:kms", w.Headers["x-amz-server-side-encryption"]);
            Assert.Equal(options.KmsKeyId, w.Headers["x-amz-server-side-encryption-aws-kms-key-id"]);
            Assert.Equal("STANDARD_IA", w.Headers["x-amz-storage-class"]);
            Assert.Equal("GOVERNANCE", w.Headers["x-amz-object-lock-mode"]);
            var until = DateTimeOffset.Parse(w.Headers["x-amz-object-lock-retain-until-date"], System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(until - TimeProvider.System.GetUtcNow(), TimeSpan.FromDays(29.9), TimeSpan.FromDays(30.1));
        });
    }

    [Fact]
    public async Task ListingUploadsAndReadingRetentionAreNotSupportedOnS3rverAndSayWhy()
    {
        RecordingHandler? recorder = null;
        using var store = Store(_s3.Options(), h => recorder = new RecordingHandler(h));
        await store.PutAsync("c/x", new byte[1], CancellationToken.None);

        var uploads = await Assert.ThrowsAsync<StoreException>(() => store.ListPendingUploadsAsync("c/", CancellationToken.None));
        Assert.Equal(StoreFault.NotSupported, uploads.Fault);
        Assert.Contains(recorder!.Requests, r => r.Method == "GET" && r.Uri.Query.Contains("uploads", StringComparison.Ordinal));

        var retention = await Assert.ThrowsAsync<StoreException>(() => store.GetRetainUntilAsync("c/x", CancellationToken.None));
        Assert.Equal(StoreFault.NotSupported, retention.Fault);
        Assert.Contains("does not implement Object Lock", retention.Message, StringComparison.Ordinal);

        // The bucket's lock configuration is asked once; per-object retention only where the bucket has Object Lock
        // (AWS and RGW answer a per-object request on a bucket without it with 400).
        Assert.Contains(recorder.Requests, r => r.Method == "GET" && r.Uri.Query.Contains("object-lock", StringComparison.Ordinal));
        Assert.DoesNotContain(recorder.Requests, r => r.Uri.Query.Contains("retention", StringComparison.Ordinal));
        await Assert.ThrowsAsync<StoreException>(() => store.GetRetainUntilAsync("c/x", CancellationToken.None));
        Assert.Single(recorder.Requests, r => r.Uri.Query.Contains("object-lock", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AStoppedServerIsReportedAsUnavailable()
    {
        using var store = Store(_s3.Options(), null);
        _s3.Kill();
        var error = await Assert.ThrowsAsync<StoreException>(() => store.ProbeAsync(CancellationToken.None));
        Assert.Equal(StoreFault.Unavailable, error.Fault);
        Assert.Contains("cannot reach the store", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnHttpsEndpointIsTrustedThroughTheConfiguredCaBundleOnly()
    {
        var tls = await TlsFiles.CreateAsync(_dir.File("pki"));
        using var secure = await S3rverNode.StartAsync(_dir, "secure", tls);
        using (var trusted = Store(secure.Options() with { CaBundle = tls.CaCert }, null))
        {
            await trusted.ProbeAsync(CancellationToken.None);
            await trusted.PutAsync("c/tls", new byte[3], CancellationToken.None);
            Assert.Equal(3, (await ReadAllAsync(trusted, "c/tls")).Length);
        }

        using var untrusted = Store(secure.Options(), null);
        var error = await Assert.ThrowsAsync<StoreException>(() => untrusted.ProbeAsync(CancellationToken.None));
        Assert.Equal(StoreFault.Unavailable, error.Fault);

        using var otherCa = Store(secure.Options() with { CaBundle = tls.OtherCaCert }, null);
        Assert.Equal(StoreFault.Unavailable, (await Assert.ThrowsAsync<StoreException>(() => otherCa.ProbeAsync(CancellationToken.None))).Fault);
    }

    [Fact]
    public async Task BandwidthLimitSlowsUploadsToTheConfiguredRate()
    {
        var options = _s3.Options() with { BandwidthLimit = 20L << 20 }; // 20 MiB/s
        using var store = Store(options, null);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await store.UploadAsync("c/limited", (stream, ct) => stream.WriteAsync(new byte[25 << 20], ct).AsTask(), CancellationToken.None);

        // Five 5 MiB parts: the fifth may start only after 20 MiB had their second.
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(0.95), $"took {watch.Elapsed}");
    }

    private static S3ObjectStore Store(S3Options options, Func<HttpMessageHandler, HttpMessageHandler>? wrap) =>
        new(S3ClientFactory.Create(options, wrap), options, new ListLogger<S3ObjectStore>(), TimeProvider.System);

    private static async Task<byte[]> ReadAllAsync(S3ObjectStore store, string key)
    {
        await using var stream = await store.OpenReadAsync(key, CancellationToken.None);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }
}

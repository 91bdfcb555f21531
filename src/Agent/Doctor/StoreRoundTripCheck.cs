using System.Globalization;
using System.Security.Cryptography;
using EtcdAgent.Configuration;
using EtcdAgent.Storage;

namespace EtcdAgent.Doctor;

/// <summary>
/// Writes random bytes through the same upload path backups use, reads them back, compares sha256 and deletes them.
/// On S3 the object is forced into a real two-part multipart upload at the 5 MiB minimum part size: that is where
/// S3-compatible stores differ (aws-chunked bodies, checksum trailers, ETags of parts), and a one-request PutObject
/// would pass where backups then fail.
/// </summary>
internal sealed class StoreRoundTripCheck : IDoctorCheck
{
    /// <summary>S3's smallest part (every part but the last must be at least this).</summary>
    internal const long MinPartSize = 5L << 20;

    /// <summary>A directory store has no parts; a megabyte shows it can write, read and delete.</summary>
    internal const int LocalSize = 1 << 20;

    public string Name => "store round trip";

    public async Task<CheckResult> RunAsync(DoctorContext context, CancellationToken cancellationToken)
    {
        if (context is not { Options: { } options, StoreReachable: true })
        {
            return CheckResult.Skipped("the store is not reachable");
        }

        var storeOptions = ProbeOptions(options.Store);
        var size = storeOptions.Kind == StoreKind.S3 ? (int)(MinPartSize + (MinPartSize / 2)) : LocalSize;
        var data = RandomNumberGenerator.GetBytes(size);
        var key = $"{options.Cluster}/.doctor/{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";
        var started = context.Time.GetTimestamp();
        using var store = StoreFactory.Create(storeOptions, context.Loggers, context.Time);
        CheckResult? failure = null;
        try
        {
            await store.UploadAsync(key, (stream, ct) => stream.WriteAsync(data, ct).AsTask(), cancellationToken).ConfigureAwait(false);
            var (length, sha256) = await ReadBackAsync(store, key, cancellationToken).ConfigureAwait(false);
            if (length != size || !sha256.AsSpan().SequenceEqual(SHA256.HashData(data)))
            {
                failure = CheckResult.Failed(
                    $"{store.Location}/{key}: wrote {size} bytes but read back {length} bytes with a different sha256: the store did not keep what it was sent",
                    CompatibilityFix(storeOptions));
            }
        }
        catch (Exception ex) when (ex is StoreException or InvalidDataException)
        {
            failure = CheckResult.Failed(ex.Message, storeOptions.Kind == StoreKind.S3 ? CompatibilityFix(storeOptions) : StoreFailureFix.Explain(ex, storeOptions).Fix!);
        }
        finally
        {
            // Always, even after a failed write (a partial object may exist) and when cancelled.
            var deleteProblem = await DeleteAsync(store, key).ConfigureAwait(false);
            if (deleteProblem is not null && failure is null)
            {
                failure = CheckResult.Failed($"wrote and read {key} back, but could not delete it: {deleteProblem}",
                    "allow the agent's credentials to delete objects (s3:DeleteObject): pruning old backups needs it");
            }
        }

        if (failure is not null)
        {
            return failure;
        }

        var how = storeOptions.Kind == StoreKind.S3 ? "as a 2-part multipart upload" : "as a file";
        var seconds = context.Time.GetElapsedTime(started).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
        return CheckResult.Passed($"wrote {Output.ByteSize.Format(size)} {how}, read it back (sha256 matched) and deleted it in {seconds} s");
    }

    /// <summary>
    /// The configured store with the smallest parts (so two parts cost 7.5 MiB, not twice the configured part size),
    /// no bandwidth limit (a client-side pause proves nothing about the store) and no Object Lock (the probe object
    /// must be deletable at once).
    /// </summary>
    internal static StoreOptions ProbeOptions(StoreOptions store) => store.S3 is { } s3
        ? store with { S3 = s3 with { PartSize = MinPartSize, PartsInFlight = 2, BandwidthLimit = null, ObjectLockMode = null, ObjectLockDays = 0 } }
        : store;

    private static string CompatibilityFix(StoreOptions store) =>
        "S3-compatible stores often reject aws-chunked bodies or flexible checksum trailers: set store.s3.chunkedEncoding: false " +
        $"(now {(store.S3!.ChunkedEncoding ? "true" : "false")}) and store.s3.checksumWhenRequired: true, and check that the " +
        "credentials allow multipart uploads (s3:PutObject, s3:AbortMultipartUpload); the store's own log names the rejected request";

    private static async Task<(long Length, byte[] Sha256)> ReadBackAsync(IObjectStore store, string key, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var stream = await store.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[81920];
            long length = 0;
            int n;
            while ((n = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, n);
                length += n;
            }

            return (length, hash.GetHashAndReset());
        }
    }

    private static async Task<string?> DeleteAsync(IObjectStore store, string key)
    {
        try
        {
            await store.DeleteAsync(key, CancellationToken.None).ConfigureAwait(false);
            return null;
        }
        catch (StoreException ex)
        {
            return ex.Message;
        }
    }
}

using System.Net;
using Amazon.Runtime;
using Amazon.S3;

namespace EtcdAgent.Storage.S3;

/// <summary>Turns SDK failures into <see cref="StoreException"/>s that say what to fix.</summary>
internal static class S3Errors
{
    public static StoreException Translate(Exception ex, string what, string bucket)
    {
        switch (ex)
        {
            case StoreException store:
                return store;
            case AmazonS3Exception s3 when s3.ErrorCode is "NoSuchBucket":
                return new StoreException(StoreFault.NotFound, $"{what}: bucket \"{bucket}\" does not exist; create it or fix store.s3.bucket", ex);
            case AmazonS3Exception s3 when s3.ErrorCode is "NoSuchKey" || s3.StatusCode == HttpStatusCode.NotFound:
                return new StoreException(StoreFault.NotFound, $"{what}: not found in bucket \"{bucket}\"", ex);
            case AmazonS3Exception s3 when s3.ErrorCode is "QuotaExceeded" or "XMinioStorageFull" or "StorageFull" || (int)s3.StatusCode == 507:
                return new StoreException(StoreFault.Full, $"{what}: the store is full or over its quota ({s3.ErrorCode ?? s3.StatusCode.ToString()}: {s3.Message}); prune (etcd-agent backup prune), raise the bucket quota or free space", ex);
            case AmazonS3Exception s3 when s3.ErrorCode is "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "AccessDenied" or "ExpiredToken" or "InvalidToken"
                                           || s3.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized:
                return new StoreException(StoreFault.Denied,
                    $"{what}: the store refused the credentials ({s3.ErrorCode ?? s3.StatusCode.ToString()}: {s3.Message}); check store.s3.credentials and the bucket policy", ex);
            case AmazonS3Exception s3 when s3.StatusCode is HttpStatusCode.NotImplemented or HttpStatusCode.MethodNotAllowed:
                return new StoreException(StoreFault.NotSupported, $"{what}: this store does not implement it ({s3.ErrorCode ?? s3.StatusCode.ToString()})", ex);
            case AmazonS3Exception s3:
                return new StoreException(StoreFault.Failed, $"{what}: the store answered {(int)s3.StatusCode} {s3.ErrorCode}: {s3.Message}", ex);
            case AmazonServiceException { InnerException: HttpRequestException or IOException or TimeoutException } or HttpRequestException or IOException or TimeoutException
                or TaskCanceledException { InnerException: TimeoutException }:
                return new StoreException(StoreFault.Unavailable, $"{what}: cannot reach the store ({Innermost(ex).Message}); check store.s3.endpoint, the network and TLS", ex);
            case AmazonClientException client when client.Message.Contains("credentials", StringComparison.OrdinalIgnoreCase):
                return new StoreException(StoreFault.Denied, $"{what}: no S3 credentials found ({client.Message}); configure store.s3.credentials", ex);
            default:
                return new StoreException(StoreFault.Failed, $"{what}: {ex.Message}", ex);
        }
    }

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null)
        {
            ex = ex.InnerException;
        }

        return ex;
    }
}

using Amazon.S3;
using Amazon.S3.Model;
using EtcdAgent.Configuration;

namespace EtcdAgent.Storage.S3;

/// <summary>The per-object settings every write carries: server-side encryption, storage class, Object Lock.</summary>
internal static class S3Requests
{
    public static void Apply(PutObjectRequest request, S3Options options, TimeProvider time)
    {
        request.ServerSideEncryptionMethod = Sse(options);
        request.ServerSideEncryptionKeyManagementServiceKeyId = options.KmsKeyId;
        if (options.StorageClass is { } storageClass)
        {
            request.StorageClass = S3StorageClass.FindValue(storageClass);
        }

        if (options.ObjectLockMode is { } mode)
        {
            request.ObjectLockMode = ObjectLockMode.FindValue(mode);
            request.ObjectLockRetainUntilDate = time.GetUtcNow().AddDays(options.ObjectLockDays).UtcDateTime;
        }
    }

    public static void Apply(InitiateMultipartUploadRequest request, S3Options options, TimeProvider time)
    {
        request.ServerSideEncryptionMethod = Sse(options);
        request.ServerSideEncryptionKeyManagementServiceKeyId = options.KmsKeyId;
        if (options.StorageClass is { } storageClass)
        {
            request.StorageClass = S3StorageClass.FindValue(storageClass);
        }

        if (options.ObjectLockMode is { } mode)
        {
            request.ObjectLockMode = ObjectLockMode.FindValue(mode);
            request.ObjectLockRetainUntilDate = time.GetUtcNow().AddDays(options.ObjectLockDays).UtcDateTime;
        }
    }

    private static ServerSideEncryptionMethod? Sse(S3Options options) => options.ServerSideEncryption switch
    {
        "AES256" => ServerSideEncryptionMethod.AES256,
        "aws:kms" => ServerSideEncryptionMethod.AWSKMS,
        _ => null,
    };
}

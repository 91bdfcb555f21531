using Amazon.S3;
using Amazon.S3.Model;
using EtcdAgent.Configuration;

namespace EtcdAgent.Storage.S3;

/// <summary>The per-object settings every write carries: server-side encryption, storage class, Object Lock.</summary>
internal static class S3Requests
{
    public static void Apply(PutObjectRequest request, S3Options options, TimeProvider time)
    {
        var w = For(options, time);
        (request.ServerSideEncryptionMethod, request.ServerSideEncryptionKeyManagementServiceKeyId, request.StorageClass) = (w.Sse, w.KmsKeyId, w.StorageClass);
        (request.ObjectLockMode, request.ObjectLockRetainUntilDate) = (w.LockMode, w.RetainUntil);
    }

    public static void Apply(InitiateMultipartUploadRequest request, S3Options options, TimeProvider time)
    {
        var w = For(options, time);
        (request.ServerSideEncryptionMethod, request.ServerSideEncryptionKeyManagementServiceKeyId, request.StorageClass) = (w.Sse, w.KmsKeyId, w.StorageClass);
        (request.ObjectLockMode, request.ObjectLockRetainUntilDate) = (w.LockMode, w.RetainUntil);
    }

    private static WriteSettings For(S3Options options, TimeProvider time) => new(
        options.ServerSideEncryption switch
        {
            "AES256" => ServerSideEncryptionMethod.AES256,
            "aws:kms" => ServerSideEncryptionMethod.AWSKMS,
            _ => null,
        },
        options.KmsKeyId,
        options.StorageClass is { } storageClass ? S3StorageClass.FindValue(storageClass) : null,
        options.ObjectLockMode is { } mode ? ObjectLockMode.FindValue(mode) : null,

        // Retention counts from the write, so every object is held for the configured days.
        options.ObjectLockMode is null ? null : time.GetUtcNow().AddDays(options.ObjectLockDays).UtcDateTime);

    private sealed record WriteSettings(ServerSideEncryptionMethod? Sse, string? KmsKeyId, S3StorageClass? StorageClass,
        ObjectLockMode? LockMode, DateTime? RetainUntil);
}

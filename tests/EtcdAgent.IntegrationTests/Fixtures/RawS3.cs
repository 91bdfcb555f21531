using System.Globalization;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using EtcdAgent.Configuration;

namespace EtcdAgent.IntegrationTests.Fixtures;

/// <summary>The S3 SDK used directly, for what the product never does on purpose.</summary>
internal static class RawS3
{
    public static AmazonS3Client Client(Uri endpoint, string accessKey, string secretKey) => new(new BasicAWSCredentials(accessKey, secretKey), new AmazonS3Config
    {
        ServiceURL = endpoint.ToString(),
        ForcePathStyle = true,
        AuthenticationRegion = "us-east-1",
        RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        MaxErrorRetry = 0,
        Timeout = TimeSpan.FromSeconds(10),
    });

    public static string CredentialsFile(TempDir dir, string accessKey, string secretKey)
    {
        var path = dir.File($"credentials-{accessKey}-{secretKey.Length.ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid():N}");
        File.WriteAllText(path, $"[default]\naws_access_key_id = {accessKey}\naws_secret_access_key = {secretKey}\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    public static async Task LeavePendingAsync(IAmazonS3 client, S3Options options, string key)
    {
        var full = options.Prefix.Length == 0 ? key : $"{options.Prefix}/{key}";
        var upload = await client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = options.Bucket, Key = full });
        await client.UploadPartAsync(new UploadPartRequest
        {
            BucketName = options.Bucket,
            Key = full,
            UploadId = upload.UploadId,
            PartNumber = 1,
            InputStream = new MemoryStream(new byte[5 << 20]),
            UseChunkEncoding = false, // s3rver would store the aws-chunked framing
        });
    }
}

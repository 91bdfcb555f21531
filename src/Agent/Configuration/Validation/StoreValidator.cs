using EtcdAgent.Configuration.Settings;

namespace EtcdAgent.Configuration.Validation;

/// <summary>store: a local directory or an S3 bucket, with the S3 client's settings.</summary>
internal static class StoreValidator
{
    /// <param name="s">The bound section (a --store flag has already been merged into it).</param>
    /// <param name="f">Checks for store.*.</param>
    /// <param name="present">Whether anything set store.* at all (file, environment or flag).</param>
    public static StoreOptions Validate(StoreSettings s, FieldCheck f, bool present)
    {
        var type = f.OneOf("type", s.Type, "local", "s3");
        if (type is null && FieldCheck.Text(s.Type) is null && !present)
        {
            f.Errors.Add(f.Errors.FileName, "store", "is required: set store.type to local (with store.local.path) or s3 (with store.s3.bucket), or pass --store DIR|s3://BUCKET/PREFIX");
        }

        if (type == "s3")
        {
            return new StoreOptions { Kind = StoreKind.S3, S3 = ValidateS3(s.S3, f.Section("s3")) };
        }

        var local = f.Section("local");
        var path = local.Require("path", s.Local.Path, "the directory backups go to");
        local.AbsolutePath("path", path);
        return new StoreOptions { Kind = StoreKind.Local, LocalPath = path };
    }

    private static S3Options ValidateS3(S3Settings s, FieldCheck f)
    {
        var bucket = f.Require("bucket", s.Bucket, "the bucket backups go to");
        var endpoint = f.HttpUrl("endpoint", s.Endpoint, " (e.g. https://minio.example:9000)");
        var creds = f.Section("credentials");
        var source = creds.OneOf("source", s.Credentials.Source, "default", "environment", "file") switch
        {
            "environment" => CredentialSource.Environment,
            "file" => CredentialSource.File,
            "default" => CredentialSource.Default,
            _ => S3Options.DefaultCredentialSource,
        };
        var credentialsFile = FieldCheck.Text(s.Credentials.File);
        if (source == CredentialSource.File && credentialsFile is null)
        {
            creds.Invalid("file", "is required when credentials.source is file (an AWS shared-credentials file, mode 0600)");
        }

        var sse = f.OneOf("sse", s.Sse, "none", "AES256", "aws:kms");
        var kmsKeyId = FieldCheck.Text(s.KmsKeyId);
        if (kmsKeyId is not null && sse != "aws:kms")
        {
            f.Invalid("kmsKeyId", "is only used with sse: aws:kms");
        }

        var objectLock = f.Section("objectLock");
        var lockMode = objectLock.OneOf("mode", s.ObjectLock.Mode, "GOVERNANCE", "COMPLIANCE");
        var lockDays = objectLock.Int("days", s.ObjectLock.Days, 1, 36500);
        if ((lockMode is null) != (lockDays is null))
        {
            objectLock.Invalid(lockMode is null ? "mode" : "days", "objectLock needs both mode (GOVERNANCE or COMPLIANCE) and days");
        }

        var caBundle = FieldCheck.Text(s.CaBundle);
        if (caBundle is not null && FileChecks.NotAFile(caBundle) is { } caProblem)
        {
            f.Invalid("caBundle", $"{Output.Echo.Bounded(caBundle)} {caProblem}");
        }

        return new S3Options
        {
            Bucket = bucket,
            Prefix = (s.Prefix ?? string.Empty).Trim('/'),
            Region = FieldCheck.Text(s.Region) ?? S3Options.DefaultRegion,
            Endpoint = endpoint,
            PathStyle = f.Bool("pathStyle", s.PathStyle) ?? endpoint is not null,
            Credentials = source,
            CredentialsFile = credentialsFile,
            CredentialsProfile = FieldCheck.Text(s.Credentials.Profile) ?? S3Options.DefaultCredentialsProfile,
            CaBundle = caBundle,
            ChunkedEncoding = f.Bool("chunkedEncoding", s.ChunkedEncoding) ?? endpoint is null,
            ChecksumWhenRequired = f.OneOf("checksum", s.Checksum, "when-required", "when-supported") is { } checksum
                ? checksum == "when-required"
                : S3Options.DefaultChecksumWhenRequired,
            ServerSideEncryption = sse is null or "none" ? null : sse,
            KmsKeyId = kmsKeyId,
            StorageClass = FieldCheck.Text(s.StorageClass),
            ObjectLockMode = lockMode,
            ObjectLockDays = lockDays ?? 0,
            PartSize = f.Bytes("partSize", s.PartSize, 5L << 20, 5L << 30) ?? S3Options.DefaultPartSize,
            PartsInFlight = f.Int("partsInFlight", s.PartsInFlight, 1, 64) ?? S3Options.DefaultPartsInFlight,
            BandwidthLimit = f.Bytes("bandwidthLimit", s.BandwidthLimit, 64 << 10, long.MaxValue),
            DeleteOldVersions = f.OneOf("oldVersions", s.OldVersions, "keep", "delete") is { } versions
                ? versions == "delete"
                : S3Options.DefaultDeleteOldVersions,
        };
    }
}

using System.Globalization;
using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using EtcdAgent.Configuration;

namespace EtcdAgent.Storage.S3;

/// <summary>
/// A bucket's versioning and Object Lock: what doctor reports and what prune must clean up after. A store that does
/// not implement the requests (s3rver) keeps no versions and locks nothing, so "not implemented" reads as off.
/// </summary>
internal sealed class S3Protection(IAmazonS3 client, S3Options options)
{
    private bool? _versioned;
    private (bool? Enabled, string Text)? _objectLock;

    /// <summary>
    /// Whether objects can be locked at all (null: the store does not implement Object Lock); asked once per store.
    /// Nothing asks per object on a bucket without it: AWS and RGW answer GetObjectRetention there with 400
    /// InvalidRequest, not with "no retention".
    /// </summary>
    public async Task<bool?> ObjectLockEnabledAsync(CancellationToken cancellationToken)
    {
        _objectLock ??= await ObjectLockAsync(cancellationToken).ConfigureAwait(false);
        return _objectLock.Value.Enabled;
    }

    /// <summary>Whether deletes leave old versions behind (versioning enabled or suspended); asked once per store.</summary>
    public async Task<bool> VersionedAsync(CancellationToken cancellationToken)
    {
        _versioned ??= await VersioningStatusAsync(cancellationToken).ConfigureAwait(false) is VersionStatus status
            && (status == VersionStatus.Enabled || status == VersionStatus.Suspended);
        return _versioned.Value;
    }

    /// <summary>Deletes (when asked) and then measures what is left of <paramref name="fullKey"/> in old versions.</summary>
    public async Task<long> OldVersionBytesAsync(string fullKey, bool deleteOldVersions, CancellationToken cancellationToken)
    {
        if (!await VersionedAsync(cancellationToken).ConfigureAwait(false))
        {
            return 0;
        }

        long held = 0;
        var request = new ListVersionsRequest { BucketName = options.Bucket, Prefix = fullKey };
        while (true)
        {
            var response = await client.ListVersionsAsync(request, cancellationToken).ConfigureAwait(false);
            foreach (var version in (response.Versions ?? []).Where(v => string.Equals(v.Key, fullKey, StringComparison.Ordinal)))
            {
                if (deleteOldVersions && await TryDeleteVersionAsync(fullKey, version.VersionId, cancellationToken).ConfigureAwait(false))
                {
                    continue;
                }

                held += version.IsDeleteMarker == true ? 0 : version.Size ?? 0;
            }

            if (response.IsTruncated != true)
            {
                return held;
            }

            request.KeyMarker = response.NextKeyMarker;
            request.VersionIdMarker = response.NextVersionIdMarker;
        }
    }

    public async Task<StoreProtection> DescribeAsync(CancellationToken cancellationToken)
    {
        var status = await VersioningStatusAsync(cancellationToken).ConfigureAwait(false);
        var versioned = status is null ? (bool?)null : status == VersionStatus.Enabled || status == VersionStatus.Suspended;
        var versioning = status is null ? "not implemented by this store (no versions are kept)"
            : status == VersionStatus.Enabled ? "enabled"
            : status == VersionStatus.Suspended ? "suspended (versions from before are kept)"
            : "off";
        _objectLock = await ObjectLockAsync(cancellationToken).ConfigureAwait(false);
        return new StoreProtection(versioned, versioning, _objectLock.Value.Enabled, _objectLock.Value.Text);
    }

    private async Task<(bool? Enabled, string Text)> ObjectLockAsync(CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.GetObjectLockConfigurationAsync(new GetObjectLockConfigurationRequest { BucketName = options.Bucket }, cancellationToken).ConfigureAwait(false);
            var configuration = response.ObjectLockConfiguration;
            if (configuration?.ObjectLockEnabled != ObjectLockEnabled.Enabled)
            {
                return (false, "not enabled");
            }

            var retention = configuration.Rule?.DefaultRetention;
            var lockText = retention?.Mode is { } mode
                ? string.Create(CultureInfo.InvariantCulture, $"enabled, default retention {mode.Value} {(retention.Days is > 0 ? $"{retention.Days} days" : $"{retention.Years} years")}")
                : "enabled, no default retention";
            return (true, lockText);
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode is "ObjectLockConfigurationNotFoundError" or "NoSuchObjectLockConfiguration")
        {
            return (false, "not enabled");
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode is HttpStatusCode.NotImplemented or HttpStatusCode.MethodNotAllowed)
        {
            return (null, "not implemented by this store");
        }
    }

    private async Task<VersionStatus?> VersioningStatusAsync(CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.GetBucketVersioningAsync(new GetBucketVersioningRequest { BucketName = options.Bucket }, cancellationToken).ConfigureAwait(false);
            return response.VersioningConfig?.Status ?? VersionStatus.Off;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode is HttpStatusCode.NotImplemented or HttpStatusCode.MethodNotAllowed)
        {
            return null;
        }
    }

    /// <summary>False when the store keeps the version (Object Lock retention or legal hold): its bytes stay counted.</summary>
    private async Task<bool> TryDeleteVersionAsync(string fullKey, string versionId, CancellationToken cancellationToken)
    {
        try
        {
            await client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = options.Bucket, Key = fullKey, VersionId = versionId }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.Forbidden || ex.ErrorCode is "AccessDenied" or "InvalidRequest")
        {
            return false;
        }
    }
}

using EtcdAgent.Storage;

namespace EtcdAgent.Doctor;

/// <summary>
/// The bucket's versioning and Object Lock against the configuration: Object Lock configured on a bucket without it
/// makes every upload fail; a versioned bucket keeps pruned backups (and their Secrets) unless something removes them.
/// </summary>
internal sealed class StoreProtectionCheck : IDoctorCheck
{
    public string Name => "store versioning and Object Lock";

    public async Task<CheckResult> RunAsync(DoctorContext context, CancellationToken cancellationToken)
    {
        if (context.Options is not { } options || !context.StoreReachable)
        {
            return CheckResult.Skipped("needs a reachable store");
        }

        if (options.Store.S3 is not { } s3)
        {
            return CheckResult.Skipped("a directory store has no versioning or Object Lock");
        }

        StoreProtection protection;
        try
        {
            using var store = StoreFactory.Create(options.Store, context.Loggers, context.Time);
            protection = await store.DescribeProtectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (StoreException ex)
        {
            return StoreFailureFix.Explain(ex, options.Store);
        }

        var detail = $"versioning {protection.Versioning}; Object Lock {protection.ObjectLock}";
        if (s3.ObjectLockMode is not null && protection.ObjectLockEnabled == false)
        {
            return CheckResult.Failed(detail + $"; store.s3.objectLock asks for {s3.ObjectLockMode} {s3.ObjectLockDays} days",
                "the store refuses retention on a bucket without Object Lock, so every upload would fail: use a bucket created with Object Lock enabled, or remove store.s3.objectLock");
        }

        if (protection.Versioned == true && !s3.DeleteOldVersions)
        {
            return CheckResult.Warning(detail + "; prune leaves the old versions of what it deletes (store.s3.oldVersions: keep)",
                "pruned backups keep costing storage and keep every Secret they hold: add a lifecycle rule (NoncurrentVersionExpiration) or set store.s3.oldVersions: delete");
        }

        return CheckResult.Passed(detail);
    }
}

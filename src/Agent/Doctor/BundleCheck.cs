using EtcdAgent.Bundle;

namespace EtcdAgent.Doctor;

/// <summary>
/// With bundle.enabled, the recovery bundle could be made now: an encryption key is configured (without one every
/// backup is stored without its bundle), and the include paths resolve to files this process can read — archived into
/// nothing, the same way a backup archives them. A bundle with no file at all (not a kubeadm node, a wrong root) or
/// include paths that are missing are warnings: the backups still work, the operator decides.
/// </summary>
internal sealed class BundleCheck : IDoctorCheck
{
    public string Name => "recovery bundle";

    public async Task<CheckResult> RunAsync(DoctorContext context, CancellationToken cancellationToken)
    {
        if (context.Options is not { } options)
        {
            return CheckResult.Skipped("needs a valid configuration");
        }

        if (!options.Bundle.Enabled)
        {
            return CheckResult.Skipped("bundle.enabled is off: backups hold etcd only, not the control plane's PKI and manifests");
        }

        if (options.Backup.KeyFile is null)
        {
            return CheckResult.Failed("bundle.enabled is on but no encryption key is configured: every backup is stored WITHOUT its bundle (it holds private keys and is never stored in plain text)",
                "etcd-agent key generate /etc/etcd-agent/backup.key, set backup.encryption.keyFile to it, and keep a copy off-cluster");
        }

        BundleListing listing;
        try
        {
            var candidates = BundleCollector.Collect(options.Bundle);
            listing = await BundleArchiver.WriteAsync(Stream.Null, candidates, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return CheckResult.Failed($"the bundle's files cannot be read: {ex.Message}",
                "run the agent as root (the packaged unit does), or narrow bundle.include to files it can read");
        }

        var files = listing.Files.Count(f => f.Type == Manifests.BundleFile.File);
        var detail = $"{files} files ({listing.Files.Count} paths) under {options.Bundle.Root} would be bundled" +
                     (listing.Missing.Count == 0 ? string.Empty : $"; missing: {string.Join(", ", listing.Missing)}") +
                     (listing.Skipped.Count == 0 ? string.Empty : $"; {string.Join("; ", listing.Skipped)}");
        if (files == 0)
        {
            return CheckResult.Warning(detail, "bundle.include matches no file here: on a kubeadm control-plane node the defaults find /etc/kubernetes; elsewhere set bundle.include or turn the bundle off");
        }

        return listing.Missing.Count > 0
            ? CheckResult.Warning(detail, "a missing path is listed in each backup's manifest, not fatal; remove it from bundle.include if this node never has it")
            : CheckResult.Passed(detail);
    }
}

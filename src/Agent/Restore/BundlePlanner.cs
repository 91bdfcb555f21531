using EtcdAgent.Bundle;
using EtcdAgent.Configuration;
using EtcdAgent.Manifests;

namespace EtcdAgent.Restore;

/// <summary>
/// restore --with-bundle at plan time: every listed path checked again (the manifest is hostile data: absolute, no
/// "..", nothing below a listed link, no link on the node on the way) and compared with this node under the bundle
/// root. Nothing is written; the verdicts go into the plan and the journal, never any content.
/// </summary>
internal static class BundlePlanner
{
    private const string EtcdManifest = "/etc/kubernetes/manifests/etcd.yaml";

    public static async Task<BundlePlan> PlanAsync(BundleSource source, string backupId, string restoreId, List<string> warnings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(warnings);
        var info = source.Bundle.Info;
        var links = info.Files.Where(f => f.Type == BundleFile.Symlink).Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        foreach (var file in info.Files)
        {
            var problem = ManifestCheck.BundleFileProblem(file)
                          ?? (Ancestors(file.Path).FirstOrDefault(links.Contains) is { } link ? $"lies below the listed link {link}" : null);
            if (problem is not null)
            {
                throw new InvalidDataException($"the bundle lists \"{Output.Echo.Bounded(file.Path ?? string.Empty)}\", which {problem}: it is not restored.");
            }
        }

        var verdicts = new List<BundlePathVerdict>();
        try
        {
            // Nothing is moved yet: every path is where it lives (the kubeadm manifests still in their folder).
            var targets = new BundleTargets(source.Root, restoreId, topology: null);
            if (!Directory.Exists(targets.Root))
            {
                throw new RestoreStepException($"the bundle root {targets.Root} (bundle.root) does not exist");
            }

            foreach (var file in info.Files.OrderBy(f => f.Path, StringComparer.Ordinal))
            {
                var path = targets.OnNode(file.Path);
                targets.RefuseLinkOnTheWay(path);
                verdicts.Add(new BundlePathVerdict(file.Path, file.Type, await BundleVerdict.OfAsync(file, path, cancellationToken).ConfigureAwait(false)));
            }
        }
        catch (RestoreStepException ex)
        {
            throw new ConfigurationException($"--with-bundle: {ex.Message} Nothing was changed.", ex);
        }

        if (info.Node != source.Node)
        {
            warnings.Add(
                $"the bundle was taken on node {info.Node}, this is {source.Node}: its serving certificates (apiserver, etcd server and peer) and kubeconfigs are {info.Node}'s, " +
                $"only the CAs are shared. Restore it here only if this node takes {info.Node}'s place (same name and addresses).");
        }

        if (verdicts.Any(v => v.Path == EtcdManifest && v.Verdict == BundleVerdict.Differs))
        {
            warnings.Add(
                $"the bundle's {EtcdManifest} differs from this node's: etcd starts from the bundle's, while this restore took the member's name, data dir and URLs from this node's. Check that they agree.");
        }

        var journal = new BundleJournal
        {
            BackupId = backupId,
            Node = info.Node,
            Root = Path.GetFullPath(source.Root),
            RawSha256 = info.RawSha256,
            Planned = verdicts,
        };
        return new BundlePlan(source.Bundle, journal);
    }

    private static IEnumerable<string> Ancestors(string? path)
    {
        for (var i = (path ?? string.Empty).LastIndexOf('/'); i > 0; i = path![..i].LastIndexOf('/'))
        {
            yield return path![..i];
        }
    }
}

/// <summary>The fetched bundle a restore will put back and its journal record (verdicts). Disposing zeroes the bundle.</summary>
internal sealed record BundlePlan(FetchedBundle Bundle, BundleJournal Journal) : IDisposable
{
    public void Dispose() => Bundle.Dispose();
}

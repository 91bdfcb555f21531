using EtcdAgent.Manifests;
using EtcdAgent.Restore.Topology;

namespace EtcdAgent.Restore;

/// <summary>
/// Where a bundle path (as the node sees it, "/etc/kubernetes/pki/ca.key") lives on this node during a restore, every
/// name derived from the path, the bundle root and the restore id alone — so a rollback recomputes them and never
/// takes a location from the journal. Under the root: <see cref="OnNode"/>; beside it, the node's own version moved
/// aside (<see cref="Aside"/>, the ".etcd-agent-&lt;id&gt;" prefix the data dir's work dir has: a rename inside one
/// directory never crosses a filesystem, and the kubelet ignores dot files in its manifests folder) and the temp name
/// a file is written to before its rename (<see cref="Temp"/>).
/// </summary>
internal sealed partial class BundleTargets
{
    private readonly string _prefix;
    private readonly string? _manifestsDir;
    private readonly string? _asideDir;

    public BundleTargets(string root, string restoreId, TopologySpec? topology)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (!Path.IsPathFullyQualified(root))
        {
            throw new RestoreStepException($"the bundle root \"{Output.Echo.Bounded(root)}\" is not an absolute path");
        }

        Root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));

        // The id comes from the journal too, and goes into every set-aside and temp name: only a restore id as
        // RestorePlanner.NewId makes it (no "/", no "..") can, or a name could leave its directory.
        if (restoreId is null || !RestoreIdPattern().IsMatch(restoreId))
        {
            throw new RestoreStepException($"the restore id \"{Output.Echo.Bounded(restoreId)}\" is not one etcd-agent makes");
        }

        _prefix = ".etcd-agent-" + restoreId;

        // kubeadm: while the restore runs, etcd.yaml and kube-apiserver.yaml wait in the aside folder the stop steps
        // moved them to, and the start steps move whatever is there back. The bundle's versions go there too (written
        // into the manifests folder, the kubelet would start a pod early and the start step would find two files).
        if (topology is { Kind: "kubeadm", ManifestsDir: { } manifests, AsideDir: { } aside }
            && aside == KubeadmTopology.AsideDirFor(manifests, restoreId))
        {
            _manifestsDir = Path.TrimEndingDirectorySeparator(Path.GetFullPath(manifests));
            _asideDir = aside;
        }
    }

    /// <summary>The tree the host paths live under ("/" on a node).</summary>
    public string Root { get; }

    /// <summary>Where the path is when nothing is moved: the root joined with the host path.</summary>
    public string OnNode(string hostPath) => Path.Join(Root, Checked(hostPath)[1..]);

    /// <summary>
    /// Where the path is between the stop and start steps: <see cref="OnNode"/>, except for the manifests a kubeadm
    /// restore keeps in its aside folder meanwhile.
    /// </summary>
    public string Current(string hostPath)
    {
        var onNode = OnNode(hostPath);
        var name = Path.GetFileName(onNode);
        return _manifestsDir is not null && Path.GetDirectoryName(onNode) == _manifestsDir && KubeadmTopology.MovedManifests.Contains(name)
            ? Path.Join(_asideDir, name)
            : onNode;
    }

    /// <summary>Where the node's own version goes when the bundle's differs: beside its usual place.</summary>
    public string Aside(string hostPath)
    {
        var onNode = OnNode(hostPath);
        return Path.Join(Path.GetDirectoryName(onNode), _prefix + "." + Path.GetFileName(onNode));
    }

    /// <summary>The name a file or link is written under before it is renamed to <see cref="Current"/>.</summary>
    public string Temp(string hostPath)
    {
        var current = Current(hostPath);
        return Path.Join(Path.GetDirectoryName(current), _prefix + ".new." + Path.GetFileName(current));
    }

    /// <summary>
    /// Refuses a path outside the root or one reached through a symbolic link: an existing link on the way (a
    /// directory replaced by a link to /) must not carry a write or a delete out of the root.
    /// </summary>
    public void RefuseLinkOnTheWay(string path)
    {
        if (!path.StartsWith(Root == "/" ? "/" : Root + "/", StringComparison.Ordinal) || path.Length <= Root.Length + 1)
        {
            throw new RestoreStepException($"{Output.Echo.Bounded(path)} is not under the bundle root {Root}: nothing there is touched");
        }

        for (var parent = Path.GetDirectoryName(path); parent is not null && parent.Length > Root.Length; parent = Path.GetDirectoryName(parent))
        {
            if (new FileInfo(parent).LinkTarget is not null)
            {
                throw new RestoreStepException(
                    $"{parent} is a symbolic link: the bundle's {Output.Echo.Bounded(path)} would be written or removed through it, outside {Root}. " +
                    "Nothing of the bundle goes through a link: replace the link with a directory, or restore without --with-bundle.");
            }
        }
    }

    private static string Checked(string hostPath) =>
        ManifestCheck.BundlePathProblem(hostPath) is { } problem
            ? throw new RestoreStepException($"the bundle path \"{Output.Echo.Bounded(hostPath)}\" {problem}: it is not written or removed")
            : hostPath;

    [System.Text.RegularExpressions.GeneratedRegex(@"^\d{8}T\d{6}Z-[0-9a-f]{4}$")]
    private static partial System.Text.RegularExpressions.Regex RestoreIdPattern();
}

using EtcdAgent.Configuration;
using YamlDotNet.RepresentationModel;

namespace EtcdAgent.Restore.Topology;

/// <summary>
/// kubeadm's stacked etcd: the kubelet runs etcd and kube-apiserver from static pod manifests, so moving a manifest
/// out of the manifests folder stops that pod and moving it back starts it. The manifests are moved (never edited)
/// to a folder beside the manifests folder — not inside it, where the kubelet would read them — so a rollback
/// puts back the very same files.
/// </summary>
internal sealed class KubeadmTopology : IRestoreTopology
{
    public const string DefaultManifestsDir = "/etc/kubernetes/manifests";
    private const string EtcdManifest = "etcd.yaml";
    private const string ApiServerManifest = "kube-apiserver.yaml";

    /// <summary>The manifests a restore moves to the aside folder while etcd is down (stop steps) and back (start steps).</summary>
    public static readonly IReadOnlyList<string> MovedManifests = [EtcdManifest, ApiServerManifest];
    private readonly string _manifestsDir;
    private readonly string _asideDir;

    public KubeadmTopology(string manifestsDir, string asideDir, MemberConfig member)
    {
        _manifestsDir = manifestsDir;
        _asideDir = asideDir;
        Member = member;
    }

    public string Kind => "kubeadm";

    public MemberConfig Member { get; }

    public TopologySpec Spec => new(Kind, _manifestsDir, _asideDir, null, null);

    public bool ManagesApiServer => true;

    public string StopText => $"move {EtcdManifest} and {ApiServerManifest} from {_manifestsDir} to {_asideDir} (the kubelet stops both pods)";

    public string StartText => $"move {EtcdManifest} back into {_manifestsDir} (the kubelet starts etcd); {ApiServerManifest} only once etcd is healthy";

    public static bool IsPresent(string manifestsDir) => File.Exists(Path.Combine(manifestsDir, EtcdManifest));

    /// <summary>Reads etcd.yaml — from the manifests folder, or from the aside folder when a restore moved it there.</summary>
    public static string AsideDirFor(string manifestsDir, string restoreId) =>
        Path.Combine(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(manifestsDir)) ?? "/", "manifests-etcd-agent-" + restoreId);

    /// <summary>etcd's flags from etcd.yaml — in the manifests folder, or in the aside folder when a restore moved it there.</summary>
    public static (EtcdFlags Flags, string Source) ReadFlags(string manifestsDir, string asideDir)
    {
        var path = Path.Combine(manifestsDir, EtcdManifest);
        if (!File.Exists(path) && File.Exists(Path.Combine(asideDir, EtcdManifest)))
        {
            path = Path.Combine(asideDir, EtcdManifest);
        }

        return (EtcdFlags.FromArguments(ReadCommand(path)), path);
    }

    /// <summary>The etcd container's command list from a static pod manifest.</summary>
    public static IReadOnlyList<string> ReadCommand(string path)
    {
        YamlStream yaml = [];
        try
        {
            using var reader = new StreamReader(path);
            yaml.Load(reader);
        }
        catch (FileNotFoundException)
        {
            throw new ConfigurationException($"{path} does not exist: is this a kubeadm control-plane node? Otherwise pass --topology systemd|explicit.");
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            throw new ConfigurationException($"{path}: not valid YAML ({ex.Message}); pass --topology explicit with --name/--data-dir/--initial-advertise-peer-urls.");
        }

        var containers = yaml.Documents.Count > 0 && yaml.Documents[0].RootNode is YamlMappingNode root
                         && root.Children.TryGetValue("spec", out var spec) && spec is YamlMappingNode specMap
                         && specMap.Children.TryGetValue("containers", out var list) && list is YamlSequenceNode sequence
            ? sequence.Children.OfType<YamlMappingNode>().ToList()
            : [];
        var etcd = containers.FirstOrDefault(c => c.Children.TryGetValue("name", out var n) && n is YamlScalarNode { Value: "etcd" })
                   ?? containers.FirstOrDefault();
        if (etcd is null || !etcd.Children.TryGetValue("command", out var commandNode) || commandNode is not YamlSequenceNode commandList)
        {
            throw new ConfigurationException($"{path}: no etcd container with a command list (spec.containers[].command); pass --topology explicit.");
        }

        return commandList.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? string.Empty).ToList();
    }

    public Task StopApiServerAsync(CancellationToken cancellationToken) => Move(ApiServerManifest, _manifestsDir, _asideDir, optional: true);

    public Task StartApiServerAsync(CancellationToken cancellationToken) => Move(ApiServerManifest, _asideDir, _manifestsDir, optional: true);

    public Task StopEtcdAsync(CancellationToken cancellationToken) => Move(EtcdManifest, _manifestsDir, _asideDir, optional: false);

    public Task StartEtcdAsync(CancellationToken cancellationToken) => Move(EtcdManifest, _asideDir, _manifestsDir, optional: false);

    private static Task Move(string file, string from, string to, bool optional)
    {
        var source = Path.Combine(from, file);
        var target = Path.Combine(to, file);
        if (File.Exists(target) && !File.Exists(source))
        {
            return Task.CompletedTask; // already done (a resumed or repeated step)
        }

        if (!File.Exists(source))
        {
            return optional
                ? Task.CompletedTask
                : throw new RestoreStepException($"{file} is in neither {from} nor {to}: it was moved by someone else; put it back into the manifests folder and run restore --resume");
        }

        if (File.Exists(target))
        {
            throw new RestoreStepException($"{file} exists in both {from} and {to}: compare them, keep one, and run restore --resume");
        }

        Directory.CreateDirectory(to);
        File.Move(source, target);
        return Task.CompletedTask;
    }
}

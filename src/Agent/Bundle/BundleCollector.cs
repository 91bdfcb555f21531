using System.Text.RegularExpressions;
using EtcdAgent.Configuration;

namespace EtcdAgent.Bundle;

/// <summary>
/// Which files a recovery bundle holds: every include pattern resolved under the configured root, plus the file the
/// API server's <c>--encryption-provider-config</c> names in kube-apiserver.yaml (without it every Secret in the
/// snapshot is ciphertext). Directories are walked without following symbolic links: a link is recorded as a link, so
/// nothing outside a pattern's directory is ever read through one. Missing files are listed, not fatal.
/// </summary>
internal static partial class BundleCollector
{
    public const string ApiServerManifest = "/etc/kubernetes/manifests/kube-apiserver.yaml";

    /// <summary>The files to archive (host path as the node sees it, and where to read it) and what is missing.</summary>
    public static BundleCandidates Collect(BundleOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var found = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var missing = new List<string>();
        var notes = new List<string>();
        var patterns = options.Include.ToList();
        if (EncryptionConfigPath(options.Root, notes) is { } encryption)
        {
            patterns.Add(encryption);
        }

        foreach (var text in patterns)
        {
            var pattern = BundlePattern.Parse(text);
            var directory = OnDisk(options.Root, pattern.Directory);
            if (pattern.IsFile)
            {
                var file = pattern.Directory.TrimEnd('/') + "/" + pattern.NameGlob;
                if (Exists(OnDisk(options.Root, file)))
                {
                    found[file] = OnDisk(options.Root, file);
                }
                else
                {
                    missing.Add(file);
                }

                continue;
            }

            if (!Directory.Exists(directory))
            {
                missing.Add(text);
                continue;
            }

            if (new DirectoryInfo(directory).LinkTarget is not null)
            {
                notes.Add($"{pattern.Directory} is a symbolic link: not followed, nothing of {text} bundled");
                continue;
            }

            Walk(directory, pattern.Directory, pattern, found);
        }

        return new BundleCandidates(found.Select(f => new BundleCandidate(f.Key, f.Value)).ToList(), missing, notes);
    }

    private static void Walk(string onDisk, string hostPath, BundlePattern pattern, SortedDictionary<string, string> found)
    {
        foreach (var entry in new DirectoryInfo(onDisk).EnumerateFileSystemInfos())
        {
            var host = hostPath.TrimEnd('/') + "/" + entry.Name;
            if (entry.LinkTarget is not null || entry is FileInfo)
            {
                if (pattern.Matches(entry.Name) || pattern.Recursive)
                {
                    found[host] = entry.FullName; // a link is archived as a link, never followed
                }
            }
            else if (pattern.Recursive)
            {
                found[host] = entry.FullName;
                Walk(entry.FullName, host, pattern, found);
            }
        }
    }

    /// <summary>The host path kube-apiserver.yaml names with --encryption-provider-config, when it is one a bundle may read.</summary>
    private static string? EncryptionConfigPath(string root, List<string> notes)
    {
        var manifest = OnDisk(root, ApiServerManifest);
        if (!File.Exists(manifest))
        {
            return null;
        }

        var match = EncryptionFlag().Match(File.ReadAllText(manifest));
        if (!match.Success)
        {
            notes.Add($"{ApiServerManifest} sets no --encryption-provider-config: Secrets in etcd are not encrypted at rest");
            return null;
        }

        var path = match.Groups["path"].Value.Trim('"', '\'');
        var problem = path.Contains('*', StringComparison.Ordinal) ? "has a wildcard" : BundlePattern.Problem(path);
        if (problem is not null)
        {
            notes.Add($"{ApiServerManifest} names the encryption provider config {Output.Echo.Quoted(path)}, which {problem}: not bundled");
            return null;
        }

        return path;
    }

    private static string OnDisk(string root, string hostPath) => Path.Join(root, hostPath.TrimStart('/'));

    private static bool Exists(string path) => File.Exists(path) || new FileInfo(path).LinkTarget is not null;

    [GeneratedRegex(@"--encryption-provider-config(?:=|\s+)(?<path>[^\s]+)", RegexOptions.CultureInvariant)]
    private static partial Regex EncryptionFlag();
}

/// <summary>A file to archive: its path on the node and where it is read (under the configured root).</summary>
internal sealed record BundleCandidate(string HostPath, string OnDisk);

/// <summary>What <see cref="BundleCollector.Collect"/> found.</summary>
internal sealed record BundleCandidates(IReadOnlyList<BundleCandidate> Files, IReadOnlyList<string> Missing, IReadOnlyList<string> Notes);

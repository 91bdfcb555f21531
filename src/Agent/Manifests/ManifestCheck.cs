using System.Globalization;

namespace EtcdAgent.Manifests;

/// <summary>
/// A manifest is data read back from a shared bucket or directory: anyone with write access, another tool's bug or
/// bit rot can change it. Before any verb acts on one (download, verify, drill, restore, prune), it must be confined
/// to its own backup: the id it claims is the folder it was read from, every key it names lies under that folder,
/// and the fields that the id also encodes agree with it. A manifest that breaks any of this is damaged, never
/// restorable, and prune leaves its objects alone (it could otherwise be made to delete another backup's payload).
/// </summary>
internal static class ManifestCheck
{
    /// <summary>The reason <paramref name="manifest"/>, read from <paramref name="manifestKey"/>, is damaged; null when it is sound.</summary>
    public static string? Problem(BackupManifest manifest, string cluster, string manifestKey)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var folderId = BackupLayout.IdOfKey(cluster, manifestKey);
        if (folderId is null || manifestKey != BackupLayout.ManifestKey(cluster, folderId))
        {
            return $"it lies at \"{Bounded(manifestKey)}\", not at {cluster}/<backup id>/{BackupLayout.ManifestName}";
        }

        if (manifest.Id != folderId)
        {
            return $"it claims id \"{Bounded(manifest.Id)}\" but was read from the folder of backup {folderId}";
        }

        if (manifest.FormatVersion < 1)
        {
            return $"its formatVersion {manifest.FormatVersion.ToString(CultureInfo.InvariantCulture)} is not one etcd-agent ever wrote";
        }

        if (manifest.Cluster?.Name != cluster)
        {
            return $"it names cluster \"{Bounded(manifest.Cluster?.Name)}\", but lies under cluster \"{cluster}\"";
        }

        if (KeyProblem(manifest.Stored?.Key, cluster, folderId) is { } keyProblem)
        {
            return $"its stored object key {keyProblem}";
        }

        if (manifest.Bundle is { } bundle && BundleProblem(bundle, manifest, cluster, folderId) is { } bundleProblem)
        {
            return $"its bundle {bundleProblem}";
        }

        return ContentProblem(manifest, folderId);
    }

    /// <summary>
    /// Why the bundle object cannot be trusted: its key must be the backup's own and not the snapshot's, its hashes and
    /// sizes well-formed, it must name a key (etcd-agent never stores a bundle unencrypted), and every path it lists must
    /// be absolute and plain — restore writes these paths on the node.
    /// </summary>
    private static string? BundleProblem(BundleInfo bundle, BackupManifest manifest, string cluster, string id)
    {
        if (KeyProblem(bundle.Key, cluster, id) is { } keyProblem)
        {
            return $"object key {keyProblem}";
        }

        if (bundle.Key == manifest.Stored?.Key)
        {
            return "object is the snapshot's own object";
        }

        if (!IsSha256(bundle.Sha256) || !IsSha256(bundle.RawSha256) || bundle.Size < 0 || bundle.RawSize < 0)
        {
            return "has a sha256 that is not 64 hex digits or a negative size";
        }

        // The node names whose certificates these are (restore warns when it is another): it is the node that took the
        // backup; and every text that is printed (node, missing paths, notes) is bounded and free of control characters.
        if (bundle.Node != manifest.Node)
        {
            return $"names node \"{Bounded(bundle.Node)}\", not the node that took the backup (\"{Bounded(manifest.Node)}\")";
        }

        if (bundle.Missing.Count > BundleInfo.MaxFiles || bundle.Skipped.Count > BundleInfo.MaxFiles
            || bundle.Missing.Concat(bundle.Skipped).Append(bundle.Node).Any(t => t.Length > 4096 || t.Any(char.IsControl)))
        {
            return "has a node, missing path or note that is too long, has a control character, or too many of them";
        }

        if (string.IsNullOrEmpty(bundle.KeyId))
        {
            return "names no encryption key (etcd-agent never stores a bundle unencrypted)";
        }

        if (bundle.Files.Count > BundleInfo.MaxFiles)
        {
            return $"lists {bundle.Files.Count} files, more than any control plane has ({BundleInfo.MaxFiles})";
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in bundle.Files)
        {
            if (BundleFileProblem(file) is { } problem)
            {
                return $"lists \"{Bounded(file.Path)}\", which {problem}";
            }

            if (!seen.Add(file.Path))
            {
                return $"lists \"{Bounded(file.Path)}\" twice";
            }
        }

        return null;
    }

    /// <summary>Why one listed bundle path cannot be written back on a node, or null.</summary>
    public static string? BundleFileProblem(BundleFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (BundlePathProblem(file.Path) is { } pathProblem)
        {
            return pathProblem;
        }

        if (file.Type is not (BundleFile.File or BundleFile.Directory or BundleFile.Symlink))
        {
            return $"has type \"{Bounded(file.Type)}\" (file, directory or symlink)";
        }

        if (file.Mode is not { Length: 4 } mode || !mode.All(c => c is >= '0' and <= '7'))
        {
            return $"has mode \"{Bounded(file.Mode)}\" (4 octal digits)";
        }

        if (file.Type == BundleFile.File ? !IsSha256(file.Sha256) || file.Size < 0 : file.Sha256 is not null)
        {
            return "has a sha256 or size that does not fit its type";
        }

        return file.Type != BundleFile.Symlink ? (file.LinkTarget is null ? null : "is not a link but names a link target")
            : string.IsNullOrEmpty(file.LinkTarget) || file.LinkTarget.Any(char.IsControl) ? "is a link without a target, or one with a control character"
            : null;
    }

    /// <summary>
    /// Why a bundle path (as the node sees it) cannot be written back under a root, or null: it must be absolute with
    /// no empty, "." or ".." part, backslash or control character. A restore's journal records paths by these rules too.
    /// </summary>
    public static string? BundlePathProblem(string? path)
    {
        path ??= string.Empty;
        if (!path.StartsWith('/') || path.Length == 1)
        {
            return "is not an absolute path";
        }

        return path[1..].Split('/').Any(p => p is "" or "." or "..") || path.Any(c => c == '\\' || char.IsControl(c))
            ? "has an empty, \".\" or \"..\" part, a backslash or a control character"
            : null;
    }

    /// <summary>
    /// Why <paramref name="key"/> is not an object of backup <paramref name="id"/>: it must be
    /// &lt;cluster&gt;/&lt;id&gt;/NAME[/NAME...] with no empty, "." or ".." segment, no backslash or control character,
    /// and not the manifest itself. Null when it is.
    /// </summary>
    public static string? KeyProblem(string? key, string cluster, string id)
    {
        var folder = $"{cluster}/{id}/";
        if (string.IsNullOrEmpty(key))
        {
            return "is missing";
        }

        if (!key.StartsWith(folder, StringComparison.Ordinal))
        {
            return $"\"{Bounded(key)}\" lies outside the backup's own folder {folder}";
        }

        var rest = key[folder.Length..];
        if (rest == BackupLayout.ManifestName)
        {
            return $"\"{Bounded(key)}\" is the manifest itself";
        }

        foreach (var segment in rest.Split('/'))
        {
            if (segment.Length == 0 || segment is "." or "..")
            {
                return $"\"{Bounded(key)}\" has an empty, \".\" or \"..\" path segment";
            }

            if (segment.Any(c => c == '\\' || char.IsControl(c)))
            {
                return $"\"{Bounded(key)}\" has a backslash or a control character";
            }
        }

        return null;
    }

    /// <summary>A value from hostile data, echoed bounded.</summary>
    public static string Bounded(string? value) => Output.Echo.Bounded(value);

    private static string? ContentProblem(BackupManifest manifest, string id)
    {
        if (manifest.Status is null || manifest.Stored is null || manifest.Raw is null || manifest.Codecs is null || manifest.Source is null || manifest.Members is null)
        {
            return "it lacks one of status, stored, raw, codecs, source or members";
        }

        // The id encodes the creation time (to the second): a manifest that disagrees with its own id was edited, and
        // retention, which sorts by time, would be misled into keeping it as "newest". (The revision is not compared:
        // an empty member's file holds revision 0 under an id of r1, and what the file holds is checked against the
        // manifest whenever it is fetched.)
        if (BackupLayout.TimeOf(id) is { } idTime && Math.Abs((manifest.CreatedAt - idTime).TotalSeconds) >= 1)
        {
            return $"its createdAt {manifest.CreatedAt:u} disagrees with the time in its id ({idTime:u})";
        }

        if (!IsSha256(manifest.Stored.Sha256) || !IsSha256(manifest.Raw.Sha256))
        {
            return "a sha256 it records is not 64 hex digits";
        }

        if (manifest.Stored.Size < 0 || manifest.Raw.Size < 0)
        {
            return "a size it records is negative";
        }

        return null;
    }

    private static bool IsSha256(string? value) =>
        value is { Length: 64 } && value.All(char.IsAsciiHexDigitLower);
}

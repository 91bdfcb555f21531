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

        return ContentProblem(manifest, folderId);
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

    /// <summary>A value from hostile data, echoed at most 80 characters long.</summary>
    public static string Bounded(string? value) =>
        value is null ? "(none)"
        : value.Length <= 80 ? value
        : string.Concat(value.AsSpan(0, 80), $"... ({value.Length.ToString(CultureInfo.InvariantCulture)} characters)");

    private static string? ContentProblem(BackupManifest manifest, string id)
    {
        if (manifest.Status is null || manifest.Stored is null || manifest.Raw is null || manifest.Codecs is null || manifest.Source is null || manifest.Members is null)
        {
            return "it lacks one of status, stored, raw, codecs, source or members";
        }

        // The id encodes the creation time (to the second) and the revision: a manifest that disagrees with its own
        // id was edited, and retention (which sorts by time) or a restore (which checks the revision) would be misled.
        if (BackupLayout.TimeOf(id) is { } idTime && Math.Abs((manifest.CreatedAt - idTime).TotalSeconds) >= 1)
        {
            return $"its createdAt {manifest.CreatedAt:u} disagrees with the time in its id ({idTime:u})";
        }

        var idRevision = long.TryParse(id[(id.LastIndexOf("-r", StringComparison.Ordinal) + 2)..], NumberStyles.None, CultureInfo.InvariantCulture, out var r) ? r : -1;
        if (manifest.Revision < idRevision || manifest.Status.Revision != manifest.Revision)
        {
            // The id records the revision etcd reported when the snapshot was asked for; the file holds at least that.
            return $"its revision {manifest.Revision.ToString(CultureInfo.InvariantCulture)} disagrees with its id (r{idRevision.ToString(CultureInfo.InvariantCulture)}) or its status";
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

using System.Formats.Tar;

namespace EtcdAgent.Bundle;

/// <summary>
/// Unpacks a bundle into a new 0700 directory, refusing an existing non-empty one. The archive is hostile data: every
/// entry must be a relative path without "..", empty or "." parts, backslashes or control characters; only files,
/// directories and symbolic links are written; nothing is written through a link (a link archived at "a" cannot make
/// a later "a/x" land outside the directory); modes and modification times come back as archived.
/// </summary>
internal static class BundleExtractor
{
    public static async Task<IReadOnlyList<string>> ExtractAsync(Stream archive, string directory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(archive);
        if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
        {
            throw new IOException($"{directory} exists and is not empty: give a new directory for the bundle");
        }

        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var root = Path.GetFullPath(directory);
        var written = new List<string>();
        var directories = new List<(string Path, TarEntry Entry)>();
        var reader = new TarReader(archive, leaveOpen: true);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
            {
                if (NameProblem(entry.Name) is { } problem)
                {
                    throw new InvalidDataException($"the bundle's entry \"{Bounded(entry.Name)}\" {problem}: nothing more is extracted");
                }

                var path = Path.Join(root, entry.Name.TrimEnd('/'));
                RefuseLinkOnTheWay(root, path, entry.Name);
                switch (entry.EntryType)
                {
                    case TarEntryType.Directory:
                        Directory.CreateDirectory(path);
                        directories.Add((path, entry)); // modes last: a read-only directory would refuse its own files
                        break;
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile:
                        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                        var file = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite });
                        await using (file.ConfigureAwait(false))
                        {
                            if (entry.DataStream is { } data)
                            {
                                await data.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
                            }
                        }

                        File.SetUnixFileMode(path, entry.Mode);
                        File.SetLastWriteTimeUtc(path, entry.ModificationTime.UtcDateTime);
                        break;
                    case TarEntryType.SymbolicLink:
                        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                        File.CreateSymbolicLink(path, entry.LinkName);
                        break;
                    default:
                        throw new InvalidDataException($"the bundle's entry \"{Bounded(entry.Name)}\" is a {entry.EntryType}: a bundle holds files, directories and links only");
                }

                written.Add(entry.Name);
            }
        }

        foreach (var (path, entry) in directories)
        {
            File.SetUnixFileMode(path, entry.Mode);
        }

        return written;
    }

    /// <summary>Why an entry name cannot be extracted, or null.</summary>
    internal static string? NameProblem(string name) =>
        name.Length == 0 ? "has no name"
        : name.StartsWith('/') ? "is an absolute path"
        : name.Any(c => c == '\\' || char.IsControl(c)) ? "has a backslash or control character"
        : name.TrimEnd('/').Split('/').Any(p => p is "" or "." or "..") ? "has an empty, \".\" or \"..\" part"
        : null;

    /// <summary>No existing component between the root and <paramref name="path"/> may be a symbolic link.</summary>
    private static void RefuseLinkOnTheWay(string root, string path, string name)
    {
        var parent = Path.GetDirectoryName(path);
        while (parent is not null && parent.Length > root.Length)
        {
            if (new DirectoryInfo(parent).LinkTarget is not null || new FileInfo(parent).LinkTarget is not null)
            {
                throw new InvalidDataException($"the bundle's entry \"{Bounded(name)}\" would be written through the link {parent[(root.Length + 1)..]}: nothing more is extracted");
            }

            parent = Path.GetDirectoryName(parent);
        }
    }

    private static string Bounded(string value) => value.Length <= 120 ? value : value[..120] + "...";
}

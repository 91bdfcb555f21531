using System.Formats.Tar;
using System.Security.Cryptography;
using EtcdAgent.Manifests;

namespace EtcdAgent.Bundle;

/// <summary>
/// Whether a bundle's tar holds exactly what its manifest lists: the same paths, types, modes, link targets and, for
/// files, sizes and sha256. `backup verify` reports it; download and restore refuse a bundle that fails it.
/// </summary>
internal static class BundleContents
{
    /// <summary>The first difference between the archive and <paramref name="info"/>, or null when they agree.</summary>
    public static async Task<string?> ProblemAsync(byte[] tar, BundleInfo info, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(info);
        var listed = new Dictionary<string, BundleFile>(StringComparer.Ordinal);
        foreach (var file in info.Files)
        {
            listed[file.Path] = file;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            var reader = new TarReader(new MemoryStream(tar, writable: false));
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
                {
                    var path = "/" + entry.Name.TrimEnd('/');
                    if (!listed.TryGetValue(path, out var file))
                    {
                        return $"it holds {Output.Echo.Bounded(path)}, which the manifest does not list";
                    }

                    if (!seen.Add(path))
                    {
                        return $"it holds {file.Path} twice";
                    }

                    if (Describe(entry) is var (type, mode, size, sha256, link) && (type, mode, size, sha256, link) != (file.Type, file.Mode, file.Size, file.Sha256, file.LinkTarget))
                    {
                        return $"{file.Path} is a {type} of mode {mode}, {size} bytes in the archive, but the manifest lists a {file.Type} of mode {file.Mode}, {file.Size} bytes, or another sha256 or link target";
                    }
                }
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or EndOfStreamException)
        {
            return $"it is not a readable tar ({ex.Message})";
        }

        return info.Files.FirstOrDefault(f => !seen.Contains(f.Path)) is { } absent ? $"{absent.Path} is listed but not in the archive" : null;
    }

    /// <summary>An entry as the manifest lists it (path "/" + name); a data stream that can seek is left at its start.</summary>
    public static BundleFile Listed(TarEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var (type, mode, size, sha256, link) = Describe(entry);
        if (entry.DataStream is { CanSeek: true } data)
        {
            data.Position = 0;
        }

        return new BundleFile("/" + entry.Name.TrimEnd('/'), type, mode, size, sha256, link);
    }

    private static (string Type, string Mode, long Size, string? Sha256, string? Link) Describe(TarEntry entry)
    {
        var type = entry.EntryType switch
        {
            TarEntryType.Directory => BundleFile.Directory,
            TarEntryType.SymbolicLink => BundleFile.Symlink,
            TarEntryType.RegularFile or TarEntryType.V7RegularFile => BundleFile.File,
            var other => other.ToString(),
        };
        var sha256 = type != BundleFile.File ? null
            : Convert.ToHexStringLower(entry.DataStream is { } data ? SHA256.HashData(data) : SHA256.HashData(ReadOnlySpan<byte>.Empty));
        return (type, Mode(entry.Mode), entry.DataStream?.Length ?? 0, sha256, type == BundleFile.Symlink ? entry.LinkName : null);
    }

    /// <summary>A mode as the manifest writes it: 4 octal digits.</summary>
    public static string Mode(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(4, '0');
}

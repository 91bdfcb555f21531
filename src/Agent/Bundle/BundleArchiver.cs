using System.Formats.Tar;
using System.Security.Cryptography;
using EtcdAgent.Manifests;

namespace EtcdAgent.Bundle;

/// <summary>
/// Writes a recovery bundle as a PAX tar (System.Formats.Tar): regular files, directories and symbolic links with their
/// modes, owners and modification times, under their path on the node without the leading "/". Each candidate is first
/// read into an entry of its own (the library's lstat decides its type, a link is never followed), so a device, a FIFO
/// or a socket is skipped before anything of it is archived, and the bytes hashed are the bytes archived.
/// </summary>
internal static class BundleArchiver
{
    /// <summary>A bundle file larger than this is not a control-plane file (certificates, keys and manifests are KiB).</summary>
    public const long MaxFileBytes = 16L << 20;

    /// <summary>The whole bundle's file bytes: checked as each file is added, so a too-wide include stops early, not in memory.</summary>
    public const long MaxTotalBytes = 64L << 20;

    public static async Task<BundleListing> WriteAsync(Stream target, BundleCandidates candidates, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var files = new List<BundleFile>();
        var skipped = new List<string>(candidates.Notes);
        long total = 0;
        var writer = new TarWriter(target, TarEntryFormat.Pax, leaveOpen: true);
        await using (writer.ConfigureAwait(false))
        {
            foreach (var candidate in candidates.Files)
            {
                var name = candidate.HostPath.TrimStart('/');
                if (new FileInfo(candidate.OnDisk) is { Exists: true, Length: > MaxFileBytes } large && large.LinkTarget is null)
                {
                    skipped.Add($"{candidate.HostPath}: {large.Length} bytes, larger than a control-plane file ({MaxFileBytes >> 20} MiB)");
                    continue;
                }

                using var single = new MemoryStream();
                var one = new TarWriter(single, TarEntryFormat.Pax, leaveOpen: true);
                await using (one.ConfigureAwait(false))
                {
                    await one.WriteEntryAsync(candidate.OnDisk, name, cancellationToken).ConfigureAwait(false);
                }

                single.Position = 0;
                var reader = new TarReader(single);
                await using (reader.ConfigureAwait(false))
                {
                    var entry = await reader.GetNextEntryAsync(copyData: true, cancellationToken).ConfigureAwait(false)
                        ?? throw new InvalidDataException($"{candidate.HostPath} could not be archived");
                    if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.Directory or TarEntryType.SymbolicLink))
                    {
                        skipped.Add($"{candidate.HostPath}: a {entry.EntryType}, not a file, directory or link");
                        continue;
                    }

                    // Described as the manifest lists it and as a fetch checks it (one reading of an entry: type, mode,
                    // size, sha256 — of nothing for an empty file — and link target); the data is left at its start.
                    var file = BundleContents.Listed(entry) with { Path = candidate.HostPath };
                    total += file.Size;
                    if (total > MaxTotalBytes)
                    {
                        throw new InvalidDataException(
                            $"the bundle's files add up to more than control-plane files ({MaxTotalBytes >> 20} MiB) at {candidate.HostPath}: narrow bundle.include");
                    }

                    await writer.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);

                    // Both copies of this file (the single entry's archive and its data) may be a private key: zeroed
                    // now rather than left in freed buffers.
                    Zero(single);
                    Zero(entry.DataStream as MemoryStream);
                    files.Add(file);
                }
            }
        }

        return new BundleListing(files, candidates.Missing, skipped);
    }

    /// <summary>What an archive of these candidates needs, about: their bytes plus a PAX header (and padding) each.</summary>
    public static int EstimatedBytes(BundleCandidates candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        long total = 2048;
        foreach (var candidate in candidates.Files)
        {
            total += 2048 + (new FileInfo(candidate.OnDisk) is { Exists: true, LinkTarget: null } file ? file.Length : 0);
        }

        return (int)Math.Min(total, MaxTotalBytes + (16L << 20));
    }

    private static void Zero(MemoryStream? stream)
    {
        if (stream is not null && stream.TryGetBuffer(out var buffer))
        {
            CryptographicOperations.ZeroMemory(buffer.AsSpan());
        }
    }
}

/// <summary>What a bundle holds, what was missing and what was left out (with why).</summary>
internal sealed record BundleListing(IReadOnlyList<BundleFile> Files, IReadOnlyList<string> Missing, IReadOnlyList<string> Skipped);

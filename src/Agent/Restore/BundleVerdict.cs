using System.Formats.Tar;
using EtcdAgent.Bundle;
using EtcdAgent.Manifests;

namespace EtcdAgent.Restore;

/// <summary>
/// How one bundle path compares with the node: the same (files by sha256 and mode, links by target, directories by
/// existence), missing here, or different. Only hashes are compared; no content is ever shown or logged.
/// </summary>
internal static class BundleVerdict
{
    public const string Same = "same";
    public const string Missing = "missing here";
    public const string Differs = "differs";

    public static async Task<string> OfAsync(BundleFile listed, string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listed);
        var info = new FileInfo(path);
        if (info.LinkTarget is not null)
        {
            return listed.Type == BundleFile.Symlink && info.LinkTarget == listed.LinkTarget ? Same : Differs;
        }

        if (Directory.Exists(path))
        {
            return listed.Type == BundleFile.Directory ? Same : Differs;
        }

        if (!info.Exists)
        {
            return Missing;
        }

        if (listed.Type != BundleFile.File || info.Length != listed.Size)
        {
            return Differs;
        }

        // The node's entry read as the archiver reads it: the library's lstat decides the type, so a FIFO or a
        // device in a listed file's place is told apart without opening it (a FIFO would block the read).
        using var single = new MemoryStream();
        var writer = new TarWriter(single, TarEntryFormat.Pax, leaveOpen: true);
        await using (writer.ConfigureAwait(false))
        {
            await writer.WriteEntryAsync(path, "x", cancellationToken).ConfigureAwait(false);
        }

        single.Position = 0;
        var reader = new TarReader(single);
        await using (reader.ConfigureAwait(false))
        {
            var entry = await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false);
            if (entry is null)
            {
                return Differs;
            }

            var node = BundleContents.Listed(entry);
            return (node.Type, node.Mode, node.Sha256) == (listed.Type, listed.Mode, listed.Sha256) ? Same : Differs;
        }
    }
}

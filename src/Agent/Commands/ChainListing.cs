using System.Globalization;
using EtcdAgent.Continuous;
using EtcdAgent.Manifests;
using EtcdAgent.Output;
using EtcdAgent.Storage;

namespace EtcdAgent.Commands;

/// <summary>
/// The chains part of `backup list`: per sound backup its continuous chain's window (<see cref="ChainWindow"/>,
/// from the catalog's one listing and at most a few manifests per chain), shown as a table of the chains that have
/// segments, as `chain` in -w json, and every hole and damaged segment manifest as a warning on stderr.
/// </summary>
internal static class ChainListing
{
    /// <summary>A chain with more holes or damaged manifests than this lists the first ones and counts the rest.</summary>
    private const int MaxListed = 3;

    private const int ParallelReads = 8;

    public static async Task<IReadOnlyDictionary<string, ChainWindow>> LoadAsync(IObjectStore store, string cluster, BackupCatalog catalog,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var keysById = catalog.Objects.Select(o => o.Key).ToLookup(key => BackupLayout.IdOfKey(cluster, key) ?? string.Empty, StringComparer.Ordinal);
        using var gate = new SemaphoreSlim(ParallelReads);
        var reads = catalog.Backups.Select(async backup =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return (backup.Id, Window: await ChainWindow.ReadAsync(store, cluster, backup, keysById[backup.Id], cancellationToken).ConfigureAwait(false));
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        return (await Task.WhenAll(reads).ConfigureAwait(false)).ToDictionary(r => r.Id, r => r.Window, StringComparer.Ordinal);
    }

    public static ChainJson Json(ChainWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        return new ChainJson(window.Outline.Segments, window.FromRevision, window.ToRevision, window.From, window.To,
            window.Outline.Gaps.Select(g => new RevisionRangeJson(g.From, g.To)).ToList(), window.Outline.Stranded.Count, window.Damaged.Count);
    }

    /// <summary>The table of chains that have segments (or damage); nothing when no backup has a chain.</summary>
    public static void WriteTable(TextWriter output, IReadOnlyList<BackupManifest> backups, IReadOnlyDictionary<string, ChainWindow> windows)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(backups);
        ArgumentNullException.ThrowIfNull(windows);
        var chained = backups.Where(b => windows[b.Id].Outline.Segments > 0 || windows[b.Id].Damaged.Count > 0).ToList();
        if (chained.Count == 0)
        {
            return;
        }

        output.WriteLine();
        output.WriteLine("POINT IN TIME: each chain restores any revision in its window (download, restore, drill --at-revision R or --at-time T):");
        TableWriter.Write(output, ["BACKUP", "REVISIONS", "FROM", "TO", "SEGMENTS", "GAPS"],
            chained.Select(b => windows[b.Id]).Select((w, i) => (IReadOnlyList<string>)
            [
                chained[i].Id, $"{Number(w.FromRevision)}..{Number(w.ToRevision)}", PointInTimeTarget.FormatTime(w.From),
                w.To is { } to ? PointInTimeTarget.FormatTime(to) : "?", Number(w.Outline.Segments),
                w.Outline.Gaps.Count == 0 ? "none" : Listed(w.Outline.Gaps.Select(g => $"{Number(g.From)}..{Number(g.To)}").ToList(), ", "),
            ]));
    }

    /// <summary>A warning per chain with a hole, damaged segment manifests, or a window end that could not be read.</summary>
    public static void WriteWarnings(TextWriter error, IReadOnlyList<BackupManifest> backups, IReadOnlyDictionary<string, ChainWindow> windows)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(backups);
        ArgumentNullException.ThrowIfNull(windows);
        foreach (var backup in backups)
        {
            var window = windows[backup.Id];
            if (window.Outline.Gaps.Count > 0)
            {
                error.WriteLine($"Warning: backup {backup.Id}'s chain has a hole at revisions {Number(window.Outline.Gaps[0].From)}..{Number(window.Outline.Gaps[0].To)}: " +
                    $"it restores only up to {Number(window.ToRevision)}; {Number(window.Outline.Stranded.Count)} segment(s) after the hole cannot be replayed");
            }

            if (window.Damaged.Count > 0)
            {
                error.WriteLine($"Warning: backup {backup.Id}'s chain has {Number(window.Damaged.Count)} damaged segment manifest(s), never replayed: " +
                    Listed(window.Damaged.Select(d => $"{d.Key} ({d.Problem})").ToList(), "; "));
            }

            if (window.To is null)
            {
                error.WriteLine($"Warning: backup {backup.Id}'s chain: the manifests of its last segments are damaged, so when revision {Number(window.ToRevision)} was received is unknown");
            }
        }
    }

    private static string Listed(List<string> items, string separator) =>
        string.Join(separator, items.Take(MaxListed)) + (items.Count > MaxListed ? $"{separator}and {Number(items.Count - MaxListed)} more" : string.Empty);

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}

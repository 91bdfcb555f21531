using System.Security.Cryptography;
using EtcdAgent.Verification.Bbolt;
using Microsoft.Win32.SafeHandles;

namespace EtcdAgent.Verification;

/// <summary>
/// Proves a snapshot whole without starting etcd: the sha256 trailer recomputed, the bbolt structure walked and
/// checked, etcd's content decoded — and the etcdctl-compatible status computed in the same pass. The backup
/// pipeline calls this before it writes a manifest (docs/architecture.md invariant 1). Memory stays flat: the file is
/// read through positioned reads, one page span per tree level at a time.
/// </summary>
internal static class SnapshotVerifier
{
    /// <summary>Full verification. A damaged file gives a report with a fault; only I/O errors throw.</summary>
    /// <param name="path">The snapshot (or, with <paramref name="trailer"/> false, a raw member/snap/db).</param>
    /// <param name="trailer">Check etcd's sha256 trailer; the data is then everything before the last 32 bytes.</param>
    /// <param name="cancellationToken">Stops the sha256 pass.</param>
    public static async Task<VerificationReport> VerifyAsync(string path, bool trailer, CancellationToken cancellationToken)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        var length = RandomAccess.GetLength(handle);
        string? sha = null;
        var dataLength = length;
        if (trailer)
        {
            if (length < 32)
            {
                return VerificationReport.Corrupt(path, $"file is {length} bytes: too short to hold a sha256 trailer", trailerChecked: true);
            }

            dataLength = length - 32;

            // The structure walk runs beside the sha256 pass (two cores, the same file in the page cache): the two
            // summed up to 1.1x etcdctl's status time (issue 21). A wrong trailer still wins over what the walk found.
            var walkLength = dataLength;
            var walk = Task.Run(() => Walk(handle, path, walkLength, trailerChecked: true, checkContent: true, sha: null), CancellationToken.None);
            (byte[] Computed, byte[] Stored) hashes;
            try
            {
                hashes = await HashAsync(handle, dataLength, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                // The walk reads through the handle this method disposes: it must end first.
                await Task.WhenAny(walk).ConfigureAwait(false);
            }

            var (computed, stored) = hashes;
            sha = Convert.ToHexStringLower(computed);
            if (!CryptographicOperations.FixedTimeEquals(computed, stored))
            {
                var hint = length % 512 != 32
                    ? " The file does not end in a trailer at all (its length is not 32 more than a multiple of 512): if it is a raw member/snap/db, use --no-trailer."
                    : string.Empty;
                return VerificationReport.Corrupt(path,
                    $"sha256 of the data is {sha} but the trailer says {Convert.ToHexStringLower(stored)}: the file changed after etcd wrote it.{hint}",
                    trailerChecked: true);
            }

            var report = await walk.ConfigureAwait(false);
            return report.Valid ? report with { Sha256 = sha } : report;
        }

        return Walk(handle, path, dataLength, trailer, checkContent: true, sha);
    }

    /// <summary>
    /// Structure and content of a snapshot whose sha256 trailer was already checked on the way in (the backup
    /// pipeline hashed the same bytes as it wrote them), so the file is not hashed twice.
    /// </summary>
    public static VerificationReport VerifyStreamed(SafeFileHandle handle, string path, string sha256)
    {
        var length = RandomAccess.GetLength(handle);
        return length < 32
            ? VerificationReport.Corrupt(path, $"file is {length} bytes: too short to hold a sha256 trailer", trailerChecked: true)
            : Walk(handle, path, length - 32, trailerChecked: true, checkContent: true, sha256);
    }

    /// <inheritdoc cref="VerifyStreamed(SafeFileHandle, string, string)"/>
    public static VerificationReport VerifyStreamed(string path, string sha256)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        return VerifyStreamed(handle, path, sha256);
    }

    /// <summary>The status alone, as etcdctl computes it (no trailer check); faults still stop it.</summary>
    public static VerificationReport Status(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        return Walk(handle, path, RandomAccess.GetLength(handle), trailerChecked: false, checkContent: false, sha: null);
    }

    private static VerificationReport Walk(SafeFileHandle handle, string path, long dataLength, bool trailerChecked,
        bool checkContent, string? sha)
    {
        try
        {
            var file = BboltFile.Open(handle, dataLength);
            if (trailerChecked && dataLength != file.TotalSize)
            {
                return VerificationReport.Corrupt(path,
                    $"the data is {dataLength} bytes but the meta says {file.HighWater} pages × {file.PageSize} = {file.TotalSize}", trailerChecked);
            }

            var walker = new BboltWalker(file);
            using var collector = new SnapshotContentCollector(checkContent);
            walker.Walk(collector);
            if (checkContent && !(collector.SawKeyBucket && collector.SawMetaBucket))
            {
                return VerificationReport.Corrupt(path,
                    "a well-formed bbolt file, but not an etcd database: it has no 'key' and 'meta' buckets", trailerChecked);
            }

            return new VerificationReport(path, true, null, trailerChecked, sha, collector.ToStatus(file.TotalSize),
                walker.PagesInUse, walker.FreePages, walker.FreelistPersisted, file.PageSize, file.OtherMetaProblem);
        }
        catch (BboltCorruptException ex)
        {
            return VerificationReport.Corrupt(path, ex.Message, trailerChecked);
        }
    }

    private static async Task<(byte[] Computed, byte[] Stored)> HashAsync(SafeFileHandle handle, long dataLength,
        CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1024 * 1024];
        long offset = 0;
        while (offset < dataLength)
        {
            var want = (int)Math.Min(buffer.Length, dataLength - offset);
            var n = await RandomAccess.ReadAsync(handle, buffer.AsMemory(0, want), offset, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                throw new IOException("file shrank while being read");
            }

            hash.AppendData(buffer, 0, n);
            offset += n;
        }

        var stored = new byte[32];
        var read = 0;
        while (read < 32)
        {
            var n = await RandomAccess.ReadAsync(handle, stored.AsMemory(read), dataLength + read, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                throw new IOException("file shrank while being read");
            }

            read += n;
        }

        return (hash.GetHashAndReset(), stored);
    }
}

/// <summary>The verdict on one file.</summary>
internal sealed record VerificationReport(string Path, bool Valid, string? Fault, bool TrailerChecked, string? Sha256,
    SnapshotStatus? Status, long PagesInUse, long FreePages, bool FreelistPersisted, int PageSize, string? MetaWarning)
{
    public static VerificationReport Corrupt(string path, string fault, bool trailerChecked) =>
        new(path, false, fault, trailerChecked, null, null, 0, 0, false, 0, null);
}

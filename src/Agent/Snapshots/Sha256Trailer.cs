using System.Security.Cryptography;

namespace EtcdAgent.Snapshots;

/// <summary>
/// Recomputes the sha256 of an etcd snapshot while it streams past. etcd appends the 32-byte sha256 of the db
/// bytes as its last blob (etcd-wire.md §3), and where the data ends is known only at the end, so the last 32 bytes
/// seen are held back from the hash until more arrive. etcdctl only checks that a trailer is present; this checks
/// that it is right.
/// </summary>
internal sealed class Sha256Trailer : IDisposable
{
    public const int TrailerSize = 32;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _tail = new byte[TrailerSize];
    private int _tailLength;

    /// <summary>All bytes appended so far, trailer included.</summary>
    public long TotalBytes { get; private set; }

    public void Append(ReadOnlySpan<byte> bytes)
    {
        TotalBytes += bytes.Length;
        if (_tailLength + bytes.Length <= TrailerSize)
        {
            bytes.CopyTo(_tail.AsSpan(_tailLength));
            _tailLength += bytes.Length;
            return;
        }

        // Everything except the newest 32 bytes is certainly data: hash it, keep the newest 32 as the tail.
        var keepFromNew = Math.Min(TrailerSize, bytes.Length);
        var flushFromTail = _tailLength - (TrailerSize - keepFromNew);
        _hash.AppendData(_tail.AsSpan(0, flushFromTail));
        _hash.AppendData(bytes[..^keepFromNew]);
        var remainingTail = _tailLength - flushFromTail;
        _tail.AsSpan(flushFromTail, remainingTail).CopyTo(_tail);
        bytes[^keepFromNew..].CopyTo(_tail.AsSpan(remainingTail));
        _tailLength = TrailerSize;
    }

    /// <summary>Ends the stream: the last 32 bytes are the trailer, everything before them the data.</summary>
    public TrailerResult Complete()
    {
        if (_tailLength < TrailerSize)
        {
            return new TrailerResult(false, TotalBytes, [], [], $"only {TotalBytes} bytes: too short to hold a sha256 trailer");
        }

        // One pass gives both hashes: the data's (the trailer check) and, with the trailer appended, the whole
        // file's (what `sha256sum snapshot.db` prints, recorded in manifests).
        var computed = _hash.GetCurrentHash();
        var trailer = _tail.ToArray();
        _hash.AppendData(trailer);
        var file = _hash.GetHashAndReset();
        var match = CryptographicOperations.FixedTimeEquals(computed, trailer);
        return new TrailerResult(match, TotalBytes - TrailerSize, computed, trailer,
            match ? null : $"sha256 of the data is {Convert.ToHexStringLower(computed)} but the trailer says {Convert.ToHexStringLower(trailer)}")
        {
            FileSha256 = file,
        };
    }

    public void Dispose() => _hash.Dispose();
}

/// <summary>The outcome of a trailer check.</summary>
/// <param name="Valid">The trailer equals the recomputed sha256.</param>
/// <param name="DataBytes">Bytes before the trailer (the bbolt file).</param>
/// <param name="Computed">sha256 recomputed over the data.</param>
/// <param name="Trailer">The 32 bytes found at the end.</param>
/// <param name="Problem">Why it is not valid, or null.</param>
internal sealed record TrailerResult(bool Valid, long DataBytes, byte[] Computed, byte[] Trailer, string? Problem)
{
    /// <summary>sha256 of every byte, trailer included (empty when the stream was too short).</summary>
    public byte[] FileSha256 { get; init; } = [];
}

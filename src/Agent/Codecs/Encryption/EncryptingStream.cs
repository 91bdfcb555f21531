using System.Security.Cryptography;

namespace EtcdAgent.Codecs.Encryption;

/// <summary>
/// Write-only AES-256-GCM envelope (docs/format.md): the header, then chunks of <c>chunkSize</c> plaintext bytes,
/// each sealed under nonce prefix ‖ counter with the header, counter and final flag as associated data. The last
/// chunk is always shorter than a full one (possibly empty) and flagged final, so truncation, reordering,
/// duplication and header changes all fail authentication. <see cref="FinishAsync"/> writes the final chunk.
/// </summary>
internal sealed class EncryptingStream : WriteOnlyStream
{
    private readonly Stream _inner;
    private readonly AesGcm _aes;
    private readonly EnvelopeHeader _header;
    private readonly byte[] _headerBytes;
    private readonly byte[] _plain;
    private readonly byte[] _sealed;
    private int _filled;
    private ulong _counter;
    private bool _headerWritten;
    private bool _finished;

    /// <param name="inner">Where the envelope goes.</param>
    /// <param name="key">The key (its id goes into the header).</param>
    /// <param name="chunkSize">Plaintext bytes per chunk.</param>
    /// <param name="noncePrefix">Only for the published test vector; normally random.</param>
    public EncryptingStream(Stream inner, EncryptionKey key, int chunkSize = EnvelopeHeader.DefaultChunk, byte[]? noncePrefix = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        _inner = inner;
        _aes = new AesGcm(key.Key, EnvelopeHeader.TagSize);

        // A fresh random prefix per object: with the per-chunk counter, no nonce repeats under one key unless two
        // objects draw the same 64-bit prefix (docs/format.md: rotate keys long before 2^32 objects).
        if (chunkSize is < EnvelopeHeader.MinChunk or > EnvelopeHeader.MaxChunk)
        {
            throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, $"chunk size must be {EnvelopeHeader.MinChunk}..{EnvelopeHeader.MaxChunk}");
        }

        _header = new EnvelopeHeader(key.Id, chunkSize, noncePrefix ?? RandomNumberGenerator.GetBytes(8));
        _headerBytes = _header.ToBytes();
        _plain = new byte[chunkSize];
        _sealed = new byte[chunkSize + EnvelopeHeader.TagSize];
    }

    public override bool CanWrite => !_finished;

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        await WriteHeaderAsync(cancellationToken).ConfigureAwait(false);
        while (!buffer.IsEmpty)
        {
            var n = Math.Min(buffer.Length, _plain.Length - _filled);
            buffer.Span[..n].CopyTo(_plain.AsSpan(_filled));
            _filled += n;
            buffer = buffer[n..];

            // A full chunk is sealed only when more data follows it: the final chunk must stay shorter than full.
            if (_filled == _plain.Length && !buffer.IsEmpty)
            {
                await SealAsync(final: false, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Seals what is buffered and the final chunk.</summary>
    public async Task FinishAsync(CancellationToken cancellationToken = default)
    {
        if (_finished)
        {
            return;
        }

        await WriteHeaderAsync(cancellationToken).ConfigureAwait(false);
        if (_filled == _plain.Length)
        {
            await SealAsync(final: false, cancellationToken).ConfigureAwait(false);
        }

        await SealAsync(final: true, cancellationToken).ConfigureAwait(false);
        _finished = true;
        await _inner.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask WriteHeaderAsync(CancellationToken cancellationToken)
    {
        if (!_headerWritten)
        {
            _headerWritten = true;
            await _inner.WriteAsync(_headerBytes, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask SealAsync(bool final, CancellationToken cancellationToken)
    {
        if (_counter > uint.MaxValue)
        {
            throw new InvalidOperationException("object too large for one envelope (2^32 chunks)");
        }

        var length = _filled;
        Seal(length, final);
        await _inner.WriteAsync(_sealed.AsMemory(0, length + EnvelopeHeader.TagSize), cancellationToken).ConfigureAwait(false);
        _filled = 0;
        _counter++;
    }

    private void Seal(int length, bool final)
    {
        Span<byte> nonce = stackalloc byte[12];
        Span<byte> aad = stackalloc byte[EnvelopeHeader.AadSize];
        _header.Nonce((uint)_counter, nonce);
        EnvelopeHeader.Aad(_headerBytes, _counter, final, aad);
        _aes.Encrypt(nonce, _plain.AsSpan(0, length), _sealed.AsSpan(0, length),
            _sealed.AsSpan(length, EnvelopeHeader.TagSize), aad);
    }

    public override void Flush() => _inner.Flush();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // Not finished: no final chunk is written, so a decryptor rejects the object as truncated.
            _aes.Dispose();
            CryptographicOperations.ZeroMemory(_plain);
        }

        base.Dispose(disposing);
    }
}

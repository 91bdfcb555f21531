using System.Security.Cryptography;

namespace EtcdAgent.Codecs.Encryption;

/// <summary>
/// Read-only side of the envelope: authenticates each chunk before releasing a byte of it; a chunk that fails,
/// a missing final chunk, or bytes after the final chunk are errors (docs/format.md).
/// </summary>
internal sealed class DecryptingStream : ReadOnlyStream
{
    private readonly Stream _inner;
    private readonly Keyring _keyring;
    private AesGcm? _aes;
    private EnvelopeHeader? _header;
    private byte[] _headerBytes = [];
    private byte[] _sealed = [];
    private byte[] _plain = [];
    private int _plainPos;
    private int _plainLength;
    private ulong _counter;
    private bool _done;

    public DecryptingStream(Stream inner, Keyring keyring)
    {
        _inner = inner;
        _keyring = keyring;
    }

    /// <summary>The key id the object names (after the first read).</summary>
    public string? KeyId => _header is null ? null : Convert.ToHexStringLower(_header.KeyId);

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_header is null)
        {
            await ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
        }

        while (_plainPos == _plainLength)
        {
            if (_done)
            {
                return 0;
            }

            await OpenNextChunkAsync(cancellationToken).ConfigureAwait(false);
        }

        var n = Math.Min(buffer.Length, _plainLength - _plainPos);
        _plain.AsMemory(_plainPos, n).CopyTo(buffer);
        _plainPos += n;
        return n;
    }

    private async Task ReadHeaderAsync(CancellationToken cancellationToken)
    {
        var header = new byte[EnvelopeHeader.Size];
        if (await FillAsync(header, cancellationToken).ConfigureAwait(false) < header.Length)
        {
            throw new InvalidDataException("encrypted object is truncated inside its header");
        }

        _header = EnvelopeHeader.Parse(header);
        _headerBytes = header;
        var key = _keyring.Find(_header.KeyId);
        _aes = new AesGcm(key.Key, EnvelopeHeader.TagSize);
        _sealed = new byte[_header.ChunkSize + EnvelopeHeader.TagSize];
        _plain = new byte[_header.ChunkSize];
    }

    private async Task OpenNextChunkAsync(CancellationToken cancellationToken)
    {
        var got = await FillAsync(_sealed, cancellationToken).ConfigureAwait(false);
        var final = got < _sealed.Length;
        if (got < EnvelopeHeader.TagSize)
        {
            throw new InvalidDataException($"encrypted object is truncated: chunk {_counter} is missing or cut short (the final chunk never came)");
        }

        if (_counter > uint.MaxValue)
        {
            throw new InvalidDataException("encrypted object has more chunks than the format allows");
        }

        var length = got - EnvelopeHeader.TagSize;
        Span<byte> nonce = stackalloc byte[12];
        Span<byte> aad = stackalloc byte[EnvelopeHeader.AadSize];
        _header!.Nonce((uint)_counter, nonce);
        EnvelopeHeader.Aad(_headerBytes, _counter, final, aad);
        try
        {
            _aes!.Decrypt(nonce, _sealed.AsSpan(0, length), _sealed.AsSpan(length, EnvelopeHeader.TagSize),
                _plain.AsSpan(0, length), aad);
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new InvalidDataException(
                $"encrypted object fails authentication at chunk {_counter}: it was changed, truncated, reordered, or the key is wrong", ex);
        }

        _plainPos = 0;
        _plainLength = length;
        _counter++;
        _done = final;
    }

    private async Task<int> FillAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = await _inner.ReadAsync(buffer[total..], cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _aes?.Dispose();
            CryptographicOperations.ZeroMemory(_plain);
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}

using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Configuration;

namespace EtcdAgent.Codecs;

/// <summary>
/// A stored object's layers in the one order docs/format.md gives: compress, then (with a key) encrypt, into
/// <c>target</c>. The backup pipeline and `backup encode` both write through here, so an object made by hand is the
/// same format as one the pipeline stores. It never closes <c>target</c>, and counts only what it is given: whoever
/// needs the stored bytes' size or hash wraps <c>target</c> (the pipeline hashes them, `backup encode` only counts).
/// </summary>
internal sealed class PayloadEncoder : IAsyncDisposable
{
    private readonly EncryptingStream? _encryptor;
    private readonly Stream _compressor;

    public PayloadEncoder(Stream target, CompressionKind kind, int level, EncryptionKey? key)
    {
        _encryptor = key is null ? null : new EncryptingStream(target, key);
        try
        {
            _compressor = Compression.Compress((Stream?)_encryptor ?? target, kind, level);
        }
        catch
        {
            // The encryptor holds the AES context and the plaintext buffer: not left to the finalizer.
            _encryptor?.Dispose();
            throw;
        }
    }

    /// <summary>Plain bytes written so far.</summary>
    public long RawBytes { get; private set; }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> raw, CancellationToken cancellationToken)
    {
        RawBytes += raw.Length;
        return _compressor.WriteAsync(raw, cancellationToken);
    }

    /// <summary>Ends every layer (the compressed frame, then the envelope's final chunk); without it the object is truncated.</summary>
    public async Task FinishAsync(CancellationToken cancellationToken)
    {
        await Compression.FinishAsync(_compressor, cancellationToken).ConfigureAwait(false);
        if (_encryptor is not null)
        {
            await _encryptor.FinishAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Frees the layers, outermost first (after a failure too, where nothing finished them).</summary>
    public async ValueTask DisposeAsync()
    {
        await _compressor.DisposeAsync().ConfigureAwait(false);
        _encryptor?.Dispose();
    }
}

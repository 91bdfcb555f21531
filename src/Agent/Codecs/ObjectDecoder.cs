using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Configuration;

namespace EtcdAgent.Codecs;

/// <summary>
/// Undoes what the encoder did to a stored object, layer by layer as its first bytes say (docs/format.md):
/// decrypt with the keyring if it is an envelope, then decompress. Output is capped (bomb protection).
/// </summary>
internal static class ObjectDecoder
{
    public sealed record Decoded(Stream Plain, string? KeyId, CompressionKind Compression);

    public static async Task<Decoded> OpenAsync(Stream stored, Keyring keyring, long maxOutputBytes, CancellationToken cancellationToken)
    {
        var (head, stream) = await PrefixedStream.PeekAsync(stored, EnvelopeHeader.Magic.Length, cancellationToken).ConfigureAwait(false);
        string? keyId = null;
        if (EnvelopeHeader.HasMagic(head))
        {
            var decrypting = new DecryptingStream(stream, keyring);
            (head, stream) = await PrefixedStream.PeekAsync(decrypting, 4, cancellationToken).ConfigureAwait(false);
            keyId = decrypting.KeyId;
        }
        else
        {
            (head, stream) = await PrefixedStream.PeekAsync(stream, 4, cancellationToken).ConfigureAwait(false);
        }

        var kind = Compression.Detect(head);
        return new Decoded(Compression.Decompress(stream, kind, maxOutputBytes), keyId, kind);
    }
}

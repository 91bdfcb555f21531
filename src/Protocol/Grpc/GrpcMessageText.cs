using System.Text;

namespace EtcdAgent.Protocol.Grpc;

/// <summary>
/// Decodes the grpc-message header: UTF-8, percent-encoded. The spec asks clients to decode leniently and never
/// fail on a malformed value, because the message only explains an error that is already being reported.
/// </summary>
internal static class GrpcMessageText
{
    public static string Decode(string? value)
    {
        if (string.IsNullOrEmpty(value) || !value.Contains('%', StringComparison.Ordinal))
        {
            return value ?? string.Empty;
        }

        var bytes = new List<byte>(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '%' && i + 2 < value.Length && IsHex(value[i + 1]) && IsHex(value[i + 2]))
            {
                bytes.Add((byte)((HexValue(value[i + 1]) << 4) | HexValue(value[i + 2])));
                i += 2;
            }
            else if (c < 0x80)
            {
                bytes.Add((byte)c);
            }
            else
            {
                // Not legal in a header value, but keep it rather than throwing.
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
        }

        // Invalid UTF-8 sequences become U+FFFD instead of an exception.
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        _ => c - 'A' + 10,
    };
}

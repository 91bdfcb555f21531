using Google.Protobuf;
using Mvccpb;

namespace EtcdAgent.Protocol.Etcd;

/// <summary>The values in a snapshot's `key` bucket: etcd's mvccpb.KeyValue, decoded by dotnet-etcd's generated type.</summary>
public static class MvccRecord
{
    // Unknown fields are dropped rather than kept: a verifier reads millions of these and needs none.
    private static readonly MessageParser<KeyValue> Parser = KeyValue.Parser.WithDiscardUnknownFields(true);

    /// <summary>Decodes one value; throws <see cref="InvalidDataException"/> when the bytes are not a KeyValue.</summary>
    public static KeyValue Parse(ReadOnlySpan<byte> value)
    {
        try
        {
            return Parser.ParseFrom(value);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new InvalidDataException(ex.Message, ex);
        }
    }
}

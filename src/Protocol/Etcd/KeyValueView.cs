using EtcdAgent.Protocol.Wire;

namespace EtcdAgent.Protocol.Etcd;

/// <summary>
/// The fields of an mvccpb.KeyValue (etcd's value in the `key` bucket) read in place, without copying the key or
/// the value: verifying a snapshot decodes every revision of every key.
/// </summary>
public readonly ref struct KeyValueView
{
    /// <summary>The user key (field 1).</summary>
    public ReadOnlySpan<byte> Key { get; init; }

    /// <summary>create_revision (field 2).</summary>
    public long CreateRevision { get; init; }

    /// <summary>mod_revision (field 3).</summary>
    public long ModRevision { get; init; }

    /// <summary>version (field 4).</summary>
    public long Version { get; init; }

    /// <summary>Length of the value (field 5).</summary>
    public int ValueLength { get; init; }

    /// <summary>value (field 5).</summary>
    public ReadOnlySpan<byte> Value { get; init; }

    /// <summary>lease (field 6).</summary>
    public long Lease { get; init; }

    /// <summary>Decodes; throws <see cref="InvalidDataException"/> when the bytes are not a KeyValue.</summary>
    public static KeyValueView Decode(ReadOnlySpan<byte> data)
    {
        var reader = new ProtoWireReader(data);
        ReadOnlySpan<byte> key = default;
        ReadOnlySpan<byte> value = default;
        long create = 0, mod = 0, version = 0, lease = 0;
        var valueLength = 0;
        while (reader.Next(out var field, out var wireType))
        {
            switch (field, wireType)
            {
                case (1, 2):
                    var (ko, kl) = reader.ReadLengthDelimited();
                    key = data.Slice(ko, kl);
                    break;
                case (2, 0):
                    create = (long)reader.ReadVarint();
                    break;
                case (3, 0):
                    mod = (long)reader.ReadVarint();
                    break;
                case (4, 0):
                    version = (long)reader.ReadVarint();
                    break;
                case (5, 2):
                    var (vo, vl) = reader.ReadLengthDelimited();
                    value = data.Slice(vo, vl);
                    valueLength = vl;
                    break;
                case (6, 0):
                    lease = (long)reader.ReadVarint();
                    break;
                case ( >= 1 and <= 6, _):
                    throw new InvalidDataException($"field {field} has wire type {wireType}, not the one mvccpb.KeyValue declares");
                default:
                    reader.Skip(wireType);
                    break;
            }
        }

        return new KeyValueView
        {
            Key = key,
            CreateRevision = create,
            ModRevision = mod,
            Version = version,
            ValueLength = valueLength,
            Value = value,
            Lease = lease,
        };
    }
}

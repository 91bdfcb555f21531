namespace EtcdAgent.Protocol.Wire;

/// <summary>
/// Reads protobuf wire format in place, for the two messages etcd-agent meets by the million and must not copy:
/// snapshot chunks and the mvccpb.KeyValue values inside a snapshot. Bounds-checked: malformed bytes raise
/// <see cref="InvalidDataException"/>, never an out-of-range read.
/// </summary>
public ref struct ProtoWireReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _pos;

    /// <summary>Reads <paramref name="data"/> from its start.</summary>
    public ProtoWireReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _pos = 0;
    }

    /// <summary>Where the next field starts.</summary>
    public readonly int Position => _pos;

    /// <summary>Moves to the next field; false at the end.</summary>
    public bool Next(out int field, out int wireType)
    {
        if (_pos >= _data.Length)
        {
            field = 0;
            wireType = 0;
            return false;
        }

        var tag = ReadVarint();
        field = (int)Math.Min(tag >> 3, int.MaxValue);
        wireType = (int)(tag & 7);
        return true;
    }

    /// <summary>Reads a varint field's value.</summary>
    public ulong ReadVarint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (_pos >= _data.Length)
            {
                throw new InvalidDataException("truncated varint");
            }

            var b = _data[_pos++];
            result |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw new InvalidDataException("varint longer than 10 bytes");
    }

    /// <summary>Reads a length-delimited field and returns its offset and length within the data.</summary>
    public (int Offset, int Length) ReadLengthDelimited()
    {
        var length = ReadVarint();
        if (length > (ulong)(_data.Length - _pos))
        {
            throw new InvalidDataException("a field runs past the end of the message");
        }

        var offset = _pos;
        _pos += (int)length;
        return (offset, (int)length);
    }

    /// <summary>Skips the value of a field of <paramref name="wireType"/>.</summary>
    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case 0:
                ReadVarint();
                break;
            case 1:
                Advance(8);
                break;
            case 2:
                ReadLengthDelimited();
                break;
            case 5:
                Advance(4);
                break;
            default:
                throw new InvalidDataException($"unsupported wire type {wireType}");
        }
    }

    private void Advance(int count)
    {
        if (count > _data.Length - _pos)
        {
            throw new InvalidDataException("a fixed-size field runs past the end");
        }

        _pos += count;
    }
}

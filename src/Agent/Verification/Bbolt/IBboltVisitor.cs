namespace EtcdAgent.Verification.Bbolt;

/// <summary>
/// Receives a bbolt file's contents in key order. Spans are valid only during the call. Depth 1 is a top-level
/// bucket, 2 a bucket nested in it, and so on.
/// </summary>
internal interface IBboltVisitor
{
    void EnterBucket(ReadOnlySpan<byte> name, int depth);

    void KeyValue(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, int depth);

    /// <summary>A nested bucket's key as it appears among its parent's keys (before its EnterBucket).</summary>
    void NestedBucketKey(ReadOnlySpan<byte> key, int depth);

    void ExitBucket(int depth);
}

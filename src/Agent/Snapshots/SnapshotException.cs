namespace EtcdAgent.Snapshots;

/// <summary>What went wrong with a snapshot's bytes.</summary>
internal enum SnapshotFault
{
    /// <summary>The stream broke before etcd ended it (connection lost, etcd killed).</summary>
    StreamCut,

    /// <summary>The bytes arrived but fail their own checks (sha256 trailer, announced size).</summary>
    Corrupt,
}

/// <summary>A snapshot that must not be used; the message says why and what to do.</summary>
internal sealed class SnapshotException : Exception
{
    public SnapshotException(SnapshotFault fault, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Fault = fault;
    }

    public SnapshotException()
    {
    }

    public SnapshotException(string message)
        : base(message)
    {
    }

    public SnapshotException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public SnapshotFault Fault { get; }
}

namespace EtcdAgent.Storage;

/// <summary>What kind of store failure it was: decides the exit code and whether a retry can help.</summary>
internal enum StoreFault
{
    /// <summary>Anything else the store answered.</summary>
    Failed,

    /// <summary>The object or bucket does not exist.</summary>
    NotFound,

    /// <summary>Credentials missing, wrong, or not allowed to do this.</summary>
    Denied,

    /// <summary>The store could not be reached (network, DNS, TLS, timeout).</summary>
    Unavailable,

    /// <summary>The store has no room: a full disk under a directory store, an S3 quota exceeded.</summary>
    Full,

    /// <summary>The store does not implement this operation (s3rver: abort, list uploads, Object Lock).</summary>
    NotSupported,
}

/// <summary>A store operation failed; the message names the store, the object and what to do.</summary>
internal sealed class StoreException : Exception
{
    public StoreException(StoreFault fault, string message, Exception? innerException = null)
        : base(message, innerException) => Fault = fault;

    public StoreException()
    {
    }

    public StoreException(string message)
        : base(message)
    {
    }

    public StoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public StoreFault Fault { get; }
}

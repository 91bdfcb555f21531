namespace EtcdAgent.Protocol.Grpc;

/// <summary>gRPC status codes (grpc/grpc doc/statuscodes.md); the numbers are the wire values.</summary>
public enum GrpcStatusCode
{
    /// <summary>Not an error.</summary>
    OK = 0,
    /// <summary>The call was cancelled, typically by the caller.</summary>
    Cancelled = 1,
    /// <summary>Unknown error; etcd 3.4 uses it for several auth errors on Maintenance calls.</summary>
    Unknown = 2,
    /// <summary>The client sent an invalid argument (etcd: wrong password on Authenticate).</summary>
    InvalidArgument = 3,
    /// <summary>The deadline expired before the call completed.</summary>
    DeadlineExceeded = 4,
    /// <summary>Some requested entity was not found.</summary>
    NotFound = 5,
    /// <summary>The entity already exists.</summary>
    AlreadyExists = 6,
    /// <summary>The caller lacks permission.</summary>
    PermissionDenied = 7,
    /// <summary>A resource (e.g. etcd's space quota) is exhausted.</summary>
    ResourceExhausted = 8,
    /// <summary>The system is not in a state required for the operation.</summary>
    FailedPrecondition = 9,
    /// <summary>The operation was aborted.</summary>
    Aborted = 10,
    /// <summary>Out of range.</summary>
    OutOfRange = 11,
    /// <summary>The method is not implemented by the server.</summary>
    Unimplemented = 12,
    /// <summary>Internal error, including broken framing.</summary>
    Internal = 13,
    /// <summary>The service is unavailable; usually transient.</summary>
    Unavailable = 14,
    /// <summary>Unrecoverable data loss.</summary>
    DataLoss = 15,
    /// <summary>The request has no valid authentication credentials.</summary>
    Unauthenticated = 16,
}

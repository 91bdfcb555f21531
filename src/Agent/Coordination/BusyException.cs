namespace EtcdAgent.Coordination;

/// <summary>
/// Another etcd-agent operation holds what this one needs: the cluster's backup lock, the node's restore lock, or a
/// file being written. Its own exit code (11), so a script can tell "try again later" from a failure.
/// </summary>
internal sealed class BusyException : Exception
{
    public BusyException(string message)
        : base(message)
    {
    }

    public BusyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public BusyException()
    {
    }
}

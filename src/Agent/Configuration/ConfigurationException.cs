namespace EtcdAgent.Configuration;

/// <summary>A setting or local file the operator must fix; the message says what and how. Exit code 2.</summary>
internal sealed class ConfigurationException : Exception
{
    public ConfigurationException(string message)
        : base(message)
    {
    }

    public ConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ConfigurationException()
    {
    }
}

namespace EtcdAgent.UnitTests.Agent.Etcd;

/// <summary>The settings a test compares, flattened.</summary>
internal sealed record EtcdConnectionSettingsView(IReadOnlyList<string> Endpoints, string? CaFile, string? CertFile,
    string? KeyFile, string? User, string? Password, TimeSpan DialTimeout, string Source);

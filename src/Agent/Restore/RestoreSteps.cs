namespace EtcdAgent.Restore;

/// <summary>The steps of a restore, in order; the journal records each by name.</summary>
internal static class RestoreSteps
{
    public const string RestoreStaged = "restore-staged";
    public const string StopApiServer = "stop-apiserver";
    public const string StopEtcd = "stop-etcd";
    public const string PortsClosed = "ports-closed";
    public const string MoveAside = "move-aside";
    public const string Install = "install";
    public const string StartGate = "start-gate";
    public const string StartEtcd = "start-etcd";
    public const string Healthy = "healthy";
    public const string Check = "check";
    public const string StartApiServer = "start-apiserver";

    public static List<JournalStep> For(bool apiServer, Func<string, string> title)
    {
        ArgumentNullException.ThrowIfNull(title);
        var names = new List<string> { RestoreStaged };
        if (apiServer)
        {
            names.Add(StopApiServer);
        }

        names.AddRange([StopEtcd, PortsClosed, MoveAside, Install, StartGate, StartEtcd, Healthy, Check]);
        if (apiServer)
        {
            names.Add(StartApiServer);
        }

        return names.Select(n => new JournalStep { Name = n, Title = title(n) }).ToList();
    }
}

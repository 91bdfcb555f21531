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

    /// <summary>
    /// restore --with-bundle: the control-plane files back while etcd and kube-apiserver are down and after etcd's
    /// data is in place, before anything starts. etcd reads its certificates (pki/etcd) and kube-apiserver its own and
    /// the encryption config only when they start, and the start steps move the static pod manifests back, so both
    /// start from the bundle's files; and a rollback finds every file the step wrote while nothing runs from them.
    /// </summary>
    public const string RestoreBundle = "restore-bundle";
    public const string StartGate = "start-gate";
    public const string StartEtcd = "start-etcd";
    public const string Healthy = "healthy";
    public const string Check = "check";
    public const string StartApiServer = "start-apiserver";

    public static List<JournalStep> For(bool apiServer, Func<string, string> title, bool bundle = false)
    {
        ArgumentNullException.ThrowIfNull(title);
        var names = new List<string> { RestoreStaged };
        if (apiServer)
        {
            names.Add(StopApiServer);
        }

        names.AddRange([StopEtcd, PortsClosed, MoveAside, Install]);
        if (bundle)
        {
            names.Add(RestoreBundle);
        }

        names.AddRange([StartGate, StartEtcd, Healthy, Check]);
        if (apiServer)
        {
            names.Add(StartApiServer);
        }

        return names.Select(n => new JournalStep { Name = n, Title = title(n) }).ToList();
    }
}

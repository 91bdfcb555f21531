namespace EtcdAgent.IntegrationTests.Fixtures;

/// <summary>
/// Runs the shipped etcd-agent — the NativeAOT binary `make publish` builds, which the .deb packages — as a separate
/// process, so an AOT or trimming break fails the end-to-end tests, not a user.
/// </summary>
public static class AgentBinary
{
    public static string Path => RepoPaths.PublishedBinary;

    public static Task<ProcessRunner.Result> RunAsync(IEnumerable<string> args, IDictionary<string, string?>? environment = null)
    {
        var env = new Dictionary<string, string?>
        {
            // Keep the test machine's own kubeadm PKI and etcdctl settings out of the picture.
            ["ETCD_AGENT_KUBEADM_PKI_DIR"] = "/nonexistent",
            ["ETCDCTL_ENDPOINTS"] = null,
            ["ETCD_AGENT_ENDPOINTS"] = null,
            ["ETCD_AGENT_PASSWORD"] = null,
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            env[key] = value;
        }

        return ProcessRunner.RunAsync(Path, args, env, TimeSpan.FromSeconds(60));
    }

    public static Task<ProcessRunner.Result> RunAsync(params string[] args) => RunAsync(args, null);
}

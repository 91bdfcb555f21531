namespace EtcdAgent.IntegrationTests.Fixtures;

/// <summary>Runs the built etcd-agent (copied beside the tests by the project reference) as a separate process.</summary>
public static class AgentBinary
{
    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "etcd-agent.dll");

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

        return ProcessRunner.RunAsync("dotnet", new[] { DllPath }.Concat(args), env, TimeSpan.FromSeconds(60));
    }

    public static Task<ProcessRunner.Result> RunAsync(params string[] args) => RunAsync(args, null);
}

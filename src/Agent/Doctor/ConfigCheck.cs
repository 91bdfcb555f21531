using EtcdAgent.Configuration;
using EtcdAgent.Etcd;

namespace EtcdAgent.Doctor;

/// <summary>The configuration loads and validates, and the etcd connection settings resolve (password file included).</summary>
internal sealed class ConfigCheck : IDoctorCheck
{
    public string Name => "config valid";

    public Task<CheckResult> RunAsync(DoctorContext context, CancellationToken cancellationToken)
    {
        AgentOptions options;
        try
        {
            options = context.LoadOptions();
        }
        catch (ConfigurationException ex)
        {
            return Task.FromResult(CheckResult.Failed(ex.Message,
                "edit the configuration file (default /etc/etcd-agent/config.yaml, or --config FILE) and check it with `etcd-agent config check`"));
        }

        var file = options.SourceFile ?? "(no file: flags and environment)";
        try
        {
            context.Settings = context.ResolveConnection(options);
        }
        catch (ConfigurationException ex)
        {
            return Task.FromResult(CheckResult.Failed($"{file}: the etcd connection settings are wrong: {ex.Message}",
                $"fix the etcd section of {file} (or the --endpoints/--user/--password-file flags), then run `etcd-agent config check`"));
        }

        context.Options = options;
        return Task.FromResult(CheckResult.Passed(
            $"{file} (cluster {options.Cluster}, node {options.Node}, etcd {string.Join(",", context.Settings.Endpoints.Select(e => e.Display()))} from {context.Settings.Source})"));
    }
}

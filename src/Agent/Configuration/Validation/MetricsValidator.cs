using EtcdAgent.Configuration.Settings;

namespace EtcdAgent.Configuration.Validation;

/// <summary>metrics: and daemon: what the daemon tells the outside (scrape endpoint, textfile, failure webhook).</summary>
internal static class MetricsValidator
{
    /// <summary>Applies metrics.* and daemon.* to <paramref name="options"/>.</summary>
    public static AgentOptions Validate(AgentOptions options, MetricsSettings metrics, DaemonSettings daemon, FieldCheck root)
    {
        var f = root.Section("metrics");
        var address = FieldCheck.Text(metrics.Address) ?? AgentOptions.DefaultMetricsAddress;
        var off = address is "off" or "none";
        if (!off && !System.Net.IPEndPoint.TryParse(address, out _) && !address.Contains(':', StringComparison.Ordinal))
        {
            f.Invalid("address", $"{Output.Echo.Quoted(address)} must be host:port (e.g. 127.0.0.1:9479) or off");
        }

        return options with
        {
            MetricsAddress = off ? null : address,
            HealthTicks = f.Int("healthTicks", metrics.HealthTicks, 1, 1000) ?? AgentOptions.DefaultHealthTicks,
            MetricsTextfile = FieldCheck.Text(metrics.Textfile),
            Webhook = root.Section("daemon").HttpUrl("webhook", daemon.Webhook),
        };
    }
}

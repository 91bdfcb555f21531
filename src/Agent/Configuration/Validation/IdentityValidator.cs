using System.Text.RegularExpressions;

namespace EtcdAgent.Configuration.Validation;

/// <summary>cluster: and node: the names every object key and manifest carries.</summary>
internal static partial class IdentityValidator
{
    /// <summary>The cluster name, or <see cref="AgentOptions.DefaultCluster"/>.</summary>
    public static string Cluster(string? value, FieldCheck f) => Checked("cluster", FieldCheck.Text(value) ?? AgentOptions.DefaultCluster, f);

    /// <summary>The node name, or this machine's host name (ETCD_AGENT_NODE_NAME overrides it) made safe for keys.</summary>
    public static string Node(string? value, Func<string, string?> environment, FieldCheck f) =>
        Checked("node", FieldCheck.Text(value) ?? SafeHostName(environment), f);

    private static string Checked(string key, string name, FieldCheck f)
    {
        if (!SafeName().IsMatch(name))
        {
            f.Invalid(key, $"{Output.Echo.Quoted(name)} must be 1-63 characters of a-z, 0-9, '.', '_' or '-' (it is part of every object key)");
        }

        return name;
    }

    private static string SafeHostName(Func<string, string?> environment)
    {
        var host = (environment("ETCD_AGENT_NODE_NAME") ?? System.Net.Dns.GetHostName()).ToLowerInvariant();
        var cleaned = Regex.Replace(host, "[^a-z0-9._-]", "-");
        return cleaned.Length is > 0 and <= 63 ? cleaned : "node";
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,62}$")]
    private static partial Regex SafeName();
}

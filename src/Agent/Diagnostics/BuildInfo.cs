using System.Reflection;

namespace EtcdAgent.Diagnostics;

/// <summary>What this binary is: recorded in manifests and etcd_agent_build_info, printed by `version`.</summary>
internal static class BuildInfo
{
    /// <summary>VERSION plus "+commit" (the informational version).</summary>
    public static string Version =>
        typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
}

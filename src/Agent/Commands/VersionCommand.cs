using System.CommandLine;
using System.Reflection;
using System.Runtime.InteropServices;
using EtcdAgent.Failures;
using EtcdAgent.Output;

namespace EtcdAgent.Commands;

/// <summary><c>etcd-agent version</c>: what is installed, for bug reports and fleet checks.</summary>
internal static class VersionCommand
{
    /// <summary>VERSION plus "+commit" (the informational version): what manifests and build_info record.</summary>
    public static string AgentVersion => Diagnostics.BuildInfo.Version;

    /// <summary>The short commit the binary was built from (Directory.Build.props), or "unknown" outside a checkout.</summary>
    public static string Commit => Metadata("EtcdAgentCommit");

    /// <summary>The UTC day of the build (or of SOURCE_DATE_EPOCH), yyyy-MM-dd.</summary>
    public static string BuildDate => Metadata("EtcdAgentBuildDate");

    private static string Metadata(string key) =>
        typeof(VersionCommand).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value
        ?? "unknown";

    public static Command Create(CliContext context, Option<string> writeOut)
    {
        var command = new Command("version", "Print the version of etcd-agent and its runtime");
        command.SetAction(parse =>
        {
            var info = new VersionJson(AgentVersion, RuntimeInformation.FrameworkDescription,
                RuntimeInformation.OSDescription, RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant(),
                Commit, BuildDate);
            if (parse.GetValue(writeOut) == OutputFormat.Json)
            {
                AgentJsonContext.Write(context.Out, info, AgentJsonContext.Default.VersionJson);
            }
            else
            {
                context.Out.WriteLine($"etcd-agent version: {info.Version}");
                context.Out.WriteLine($"commit: {info.Commit}, built {info.BuildDate}");
                context.Out.WriteLine($"runtime: {info.Runtime} ({info.Os}, {info.Architecture})");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}

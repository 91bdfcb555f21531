using System.CommandLine;
using System.Reflection;
using System.Runtime.InteropServices;
using EtcdAgent.Output;

namespace EtcdAgent.Commands;

/// <summary><c>etcd-agent version</c>: what is installed, for bug reports and fleet checks.</summary>
internal static class VersionCommand
{
    public static string AgentVersion =>
        typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? "unknown";

    public static Command Create(CliContext context, Option<string> writeOut)
    {
        var command = new Command("version", "Print the version of etcd-agent and its runtime");
        command.SetAction(parse =>
        {
            var info = new VersionJson(AgentVersion, RuntimeInformation.FrameworkDescription,
                RuntimeInformation.OSDescription, RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant());
            if (parse.GetValue(writeOut) == OutputFormat.Json)
            {
                AgentJsonContext.Write(context.Out, info, AgentJsonContext.Default.VersionJson);
            }
            else
            {
                context.Out.WriteLine($"etcd-agent version: {info.Version}");
                context.Out.WriteLine($"runtime: {info.Runtime} ({info.Os}, {info.Architecture})");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}

using Microsoft.Extensions.Logging;

namespace EtcdAgent.Commands;

/// <summary>What a command needs from its surroundings, injectable so tests run commands in-process.</summary>
internal sealed record CliContext
{
    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    public required Func<string, string?> Environment { get; init; }

    public required TimeProvider Time { get; init; }

    public required ILoggerFactory Loggers { get; init; }

    /// <summary>The interactive terminal (stdin and stdout both a tty), or null: prompts are only ever asked here.</summary>
    public Spectre.Console.IAnsiConsole? Terminal { get; init; }

    /// <summary>Where kubeadm keeps etcd's PKI; overridable (ETCD_AGENT_KUBEADM_PKI_DIR) for tests.</summary>
    public string KubeadmPkiDir => Environment("ETCD_AGENT_KUBEADM_PKI_DIR") ?? Etcd.KubeadmDetection.DefaultPkiDir;
}

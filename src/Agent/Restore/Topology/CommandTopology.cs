namespace EtcdAgent.Restore.Topology;

/// <summary>
/// etcd stopped and started by commands: `systemctl stop|start UNIT` for etcd under systemd, or whatever the operator
/// passes (--stop-command/--start-command), which is also how tests drive a real etcd. Without a command the operator
/// stops or starts etcd by hand; the port gate and the health wait see when it happened.
/// </summary>
internal sealed class CommandTopology(string kind, MemberConfig member, string? stopCommand, string? startCommand, ShellRunner shell)
    : IRestoreTopology
{
    public string Kind => kind;

    public MemberConfig Member => member;

    public TopologySpec Spec => new(kind, null, null, stopCommand, startCommand);

    public bool ManagesApiServer => false;

    public string StopText => stopCommand is null ? "you stop etcd yourself (no --stop-command); restore waits until its ports close" : $"run: {stopCommand}";

    public string StartText => startCommand is null ? "you start etcd yourself (no --start-command); restore waits until it is healthy" : $"run: {startCommand}";

    public Task StopApiServerAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartApiServerAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopEtcdAsync(CancellationToken cancellationToken) =>
        stopCommand is null ? Task.CompletedTask : shell.RunAsync(stopCommand, "stop etcd", cancellationToken);

    public Task StartEtcdAsync(CancellationToken cancellationToken) =>
        startCommand is null ? Task.CompletedTask : shell.RunAsync(startCommand, "start etcd", cancellationToken);
}

using EtcdAgent.Commands;
using Microsoft.Extensions.Logging.Abstractions;

namespace EtcdAgent.UnitTests.Agent.Commands;

/// <summary>Runs the CLI in-process with a fake environment and captured output.</summary>
internal sealed class CliHarness
{
    public Dictionary<string, string> Environment { get; } = new();

    public StringWriter Out { get; } = new();

    public StringWriter Error { get; } = new();

    public CliContext Context => new()
    {
        Out = Out,
        Error = Error,
        Environment = name => Environment.TryGetValue(name, out var v) ? v : null,
        Time = TimeProvider.System,
        Loggers = NullLoggerFactory.Instance,
    };

    public Task<int> RunAsync(params string[] args) => CliApp.RunAsync(args, Context);
}

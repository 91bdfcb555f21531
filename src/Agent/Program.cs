using EtcdAgent.Commands;
using EtcdAgent.Diagnostics;
using Microsoft.Extensions.Logging;

// Logs go to stderr so stdout stays clean for -w json (ConsoleLogging). `run` builds its own host with the same
// logging; this factory serves the one-shot verbs (and `run --once`).
var daemon = args.Length > 0 && args[0] == "run";
using var loggers = LoggerFactory.Create(logging => logging.AddAgentConsole(ConsoleLogging.Level(daemon, Environment.GetEnvironmentVariable), Environment.GetEnvironmentVariable));

var context = new CliContext
{
    Out = Console.Out,
    Error = Console.Error,
    Environment = Environment.GetEnvironmentVariable,
    Time = TimeProvider.System,
    Loggers = loggers,
    Terminal = Console.IsInputRedirected || Console.IsOutputRedirected ? null : Spectre.Console.AnsiConsole.Console,
};
return await CliApp.RunAsync(args, context).ConfigureAwait(false);

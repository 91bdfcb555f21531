using EtcdAgent.Commands;
using EtcdAgent.Diagnostics;
using Microsoft.Extensions.Logging;

// Logs go to stderr so stdout stays clean for -w json (ConsoleLogging). `run` builds its own host with the same
// logging; this factory serves the one-shot verbs (and `run --once`).
var daemon = args.Length > 0 && args[0] == "run";
var level = ConsoleLogging.Level(daemon, Environment.GetEnvironmentVariable);
using var loggers = new DeferredLoggerFactory(level, () => LoggerFactory.Create(logging => logging.AddAgentConsole(level, Environment.GetEnvironmentVariable)));

var context = new CliContext
{
    Out = Console.Out,
    Error = JournalPriorityWriter.For(Console.Error, Environment.GetEnvironmentVariable),
    Environment = Environment.GetEnvironmentVariable,
    Time = TimeProvider.System,
    Loggers = loggers,
    Terminal = Console.IsInputRedirected || Console.IsOutputRedirected ? null : Spectre.Console.AnsiConsole.Console,
};
return await CliApp.RunAsync(args, context).ConfigureAwait(false);

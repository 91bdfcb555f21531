using EtcdAgent.Commands;
using EtcdAgent.Diagnostics;
using Microsoft.Extensions.Logging;

// Logs go to stderr so stdout stays clean for -w json. Warnings by default for one-shot verbs (failover and
// re-authentication are worth seeing), Information for the daemon; ETCD_AGENT_LOG_LEVEL=Debug shows more.
var level = Enum.TryParse<LogLevel>(Environment.GetEnvironmentVariable("ETCD_AGENT_LOG_LEVEL"), ignoreCase: true, out var parsed)
    ? parsed
    : args.Length > 0 && args[0] == "run" ? LogLevel.Information : LogLevel.Warning;
using var loggers = new StderrLoggerFactory(Console.Error, level, journald: Environment.GetEnvironmentVariable("JOURNAL_STREAM") is not null);

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

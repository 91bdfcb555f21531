using EtcdAgent.Commands;
using EtcdAgent.Diagnostics;
using Microsoft.Extensions.Logging;

// Logs go to stderr so stdout stays clean for -w json. Warnings by default: failover and re-authentication
// are worth seeing; ETCD_AGENT_LOG_LEVEL=Debug shows more.
var level = Enum.TryParse<LogLevel>(Environment.GetEnvironmentVariable("ETCD_AGENT_LOG_LEVEL"), ignoreCase: true, out var parsed)
    ? parsed
    : LogLevel.Warning;
using var loggers = new StderrLoggerFactory(Console.Error, level);

var context = new CliContext
{
    Out = Console.Out,
    Error = Console.Error,
    Environment = Environment.GetEnvironmentVariable,
    Time = TimeProvider.System,
    Loggers = loggers,
};
return await CliApp.RunAsync(args, context).ConfigureAwait(false);

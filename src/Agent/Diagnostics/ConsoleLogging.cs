using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace EtcdAgent.Diagnostics;

/// <summary>
/// How etcd-agent logs, for the CLI's logger factory and the daemon's host alike: Microsoft.Extensions.Logging's
/// console logger, every line on stderr (stdout stays clean for -w json), one line per event
/// ("warn: Category[EventId] message"); under journald (stderr is JOURNAL_STREAM) the library's systemd format, whose
/// "&lt;4&gt;" prefix journald turns into the entry's priority, so `journalctl -p warning` shows warnings and errors.
/// </summary>
internal static class ConsoleLogging
{
    /// <summary>
    /// ETCD_AGENT_LOG_LEVEL when set; else Information for the daemon and Warning for one-shot verbs (failover and
    /// re-authentication are worth seeing).
    /// </summary>
    public static LogLevel Level(bool daemon, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return Enum.TryParse<LogLevel>(environment("ETCD_AGENT_LOG_LEVEL"), ignoreCase: true, out var parsed)
            ? parsed
            : daemon ? LogLevel.Information : LogLevel.Warning;
    }

    public static ILoggingBuilder AddAgentConsole(this ILoggingBuilder logging, LogLevel minimum, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var journald = JournalStream.IsStderr(environment);
        logging.SetMinimumLevel(minimum);

        // The libraries' own chatter (host lifetime, Quartz's start/stop lines) only when asked for with Debug.
        if (minimum > LogLevel.Debug)
        {
            logging.AddFilter("Microsoft", LogLevel.Warning);
            logging.AddFilter("Quartz", LogLevel.Warning);
        }

        logging.AddConsole(o =>
        {
            o.LogToStandardErrorThreshold = LogLevel.Trace;
            o.FormatterName = journald ? ConsoleFormatterNames.Systemd : ConsoleFormatterNames.Simple;
        });
        logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.IncludeScopes = false;
            o.ColorBehavior = LoggerColorBehavior.Disabled;
        });
        logging.AddSystemdConsole(o => o.IncludeScopes = false);
        return logging;
    }
}

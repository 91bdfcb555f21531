using Microsoft.Extensions.Logging;

namespace EtcdAgent.Diagnostics;

/// <summary>
/// The CLI's logger: one line per event on stderr ("warn: Category[EventId] message"), so stdout stays clean for
/// -w json. Hand-written instead of Microsoft.Extensions.Logging.Console because a one-shot verb would otherwise
/// load and JIT the options, configuration and DI stacks at every start, for a few warnings (docs/decisions.md).
/// </summary>
internal sealed class StderrLoggerFactory(TextWriter error, LogLevel minimum, bool journald = false) : ILoggerFactory
{
    private readonly Lock _write = new();
    private readonly LogLevel _minimum = minimum;

    public ILogger CreateLogger(string categoryName) => new StderrLogger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) =>
        throw new NotSupportedException("the CLI logs to stderr only");

    public void Dispose()
    {
    }

    private void Write(LogLevel level, string category, EventId eventId, string message, Exception? exception)
    {
        // Under systemd (JOURNAL_STREAM set) each line starts with its syslog priority, which journald turns into
        // the entry's priority: `journalctl -p warning` then shows warnings and errors only.
        var line = journald
            ? $"<{Priority(level)}>{category}[{eventId.Id}] {message}"
            : $"{Short(level)}: {category}[{eventId.Id}] {message}";
        lock (_write)
        {
            error.WriteLine(line);
            if (exception is not null)
            {
                error.WriteLine(exception.ToString());
            }
        }
    }

    private static int Priority(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => 7,
        LogLevel.Information => 6,
        LogLevel.Warning => 4,
        LogLevel.Error => 3,
        _ => 2,
    };

    private static string Short(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        _ => "crit",
    };

    private sealed class StderrLogger(StderrLoggerFactory factory, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= factory._minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                factory.Write(logLevel, category, eventId, formatter(state, exception), exception);
            }
        }
    }
}

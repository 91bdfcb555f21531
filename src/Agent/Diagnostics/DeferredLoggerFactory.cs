using Microsoft.Extensions.Logging;

namespace EtcdAgent.Diagnostics;

/// <summary>
/// The CLI's logger factory, built on first use: a one-shot verb that logs nothing (most of them, on a good day)
/// never pays for Microsoft.Extensions.Logging's options and console machinery. Measured on the published binary:
/// `version` 0.10 s and 37 MB with the factory built eagerly at start, against 0.03 s and 28 MB without. Loggers
/// handed out before that answer IsEnabled from the minimum level and build the real factory at their first write.
/// </summary>
internal sealed class DeferredLoggerFactory(LogLevel minimum, Func<ILoggerFactory> create) : ILoggerFactory
{
    private readonly Lazy<ILoggerFactory> _inner = new(create);

    public ILogger CreateLogger(string categoryName) => new DeferredLogger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) => _inner.Value.AddProvider(provider);

    /// <summary>Flushes what was logged (the console logger writes on a background thread).</summary>
    public void Dispose()
    {
        if (_inner.IsValueCreated)
        {
            _inner.Value.Dispose();
        }
    }

    private sealed class DeferredLogger(DeferredLoggerFactory owner, string category) : ILogger
    {
        private ILogger? _logger;

        private ILogger Inner => _logger ??= owner._inner.Value.CreateLogger(category);

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => owner._inner.IsValueCreated ? Inner.BeginScope(state) : null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= owner._minimum && (!owner._inner.IsValueCreated || Inner.IsEnabled(logLevel));

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel != LogLevel.None && logLevel >= owner._minimum)
            {
                Inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }

    private readonly LogLevel _minimum = minimum;
}

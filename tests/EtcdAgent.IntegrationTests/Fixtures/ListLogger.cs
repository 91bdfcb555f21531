using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EtcdAgent.IntegrationTests.Fixtures;

/// <summary>Records log events so tests can assert that something happened inside the client.</summary>
public sealed class ListLogger<T> : ILogger<T>
{
    public ConcurrentQueue<(EventId Id, string Message)> Events { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
        Func<TState, Exception?, string> formatter) => Events.Enqueue((eventId, formatter(state, exception)));
}

using System.Net;
using System.Text;
using EtcdAgent.Diagnostics;
using Microsoft.Extensions.Logging;

namespace EtcdAgent.Hosting;

/// <summary>
/// GET /metrics (prometheus-net's text exposition of the daemon's registry) and GET /healthz (200, or 503 when the
/// last success is older than the configured number of ticks) on a loopback address by default. A port that cannot be bound is logged, not fatal: backups
/// matter more than their metrics. The listener is ours, not prometheus-net's MetricServer: that one serves a single
/// path and throws when the port cannot be bound, and /healthz must sit on the same address (docs/decisions.md).
/// </summary>
internal sealed partial class MetricsServer(string address, DaemonMetrics metrics, double healthTicks, ILogger logger) : IDisposable
{
    private readonly HttpListener _listener = new();

    public Task RunAsync(CancellationToken stop)
    {
        try
        {
            _listener.Prefixes.Add($"http://{address}/");
            _listener.Start();
        }
        catch (Exception ex) when (ex is HttpListenerException or ArgumentException)
        {
            Log.CannotListen(logger, address, ex.Message);
            return Task.CompletedTask;
        }

        Log.Listening(logger, address);
        return Task.Run(() => ServeAsync(stop), CancellationToken.None);
    }

    public void Dispose() => ((IDisposable)_listener).Dispose();

    private async Task ServeAsync(CancellationToken stop)
    {
        using var registration = stop.Register(_listener.Stop);
        while (!stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            var (status, bytes, type) = context.Request.Url?.AbsolutePath switch
            {
                "/metrics" => (200, await ExpositionAsync(stop).ConfigureAwait(false), "text/plain; version=0.0.4; charset=utf-8"),
                "/healthz" => metrics.Health(healthTicks) is var (healthy, reason) ? (healthy ? 200 : 503, Encoding.UTF8.GetBytes(reason + "\n"), "text/plain; charset=utf-8") : default,
                _ => (404, Encoding.UTF8.GetBytes("not found: try /metrics or /healthz\n"), "text/plain; charset=utf-8"),
            };
            context.Response.StatusCode = status;
            context.Response.ContentType = type;
            context.Response.ContentLength64 = bytes.Length;
            try
            {
                await context.Response.OutputStream.WriteAsync(bytes, stop).ConfigureAwait(false);
                context.Response.Close();
            }
            catch (Exception ex) when (ex is HttpListenerException or IOException or OperationCanceledException)
            {
                // The scraper went away.
            }
        }
    }

    private async Task<byte[]> ExpositionAsync(CancellationToken stop)
    {
        using var text = new MemoryStream();
        await metrics.ExportAsync(text, stop).ConfigureAwait(false);
        return text.ToArray();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "Metrics on http://{Address}/metrics, health on /healthz")]
        public static partial void Listening(ILogger logger, string address);

        [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Cannot serve metrics on {Address}: {Reason}; backups continue without them")]
        public static partial void CannotListen(ILogger logger, string address, string reason);
    }
}

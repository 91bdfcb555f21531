using System.Globalization;
using System.Net;
using System.Text;
using EtcdAgent.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace EtcdAgent.Hosting;

/// <summary>
/// The daemon's HTTP face on the configured address (loopback by default): GET /metrics is prometheus-net's own
/// <see cref="MetricServer"/> over the daemon's registry; GET /healthz (200, or 503 when the last success is older
/// than the configured number of ticks) is a second HttpListener on the same address and port, which the managed
/// listener dispatches by path. An address that cannot be bound is logged, not fatal: backups matter more than
/// their metrics.
/// </summary>
internal sealed partial class MetricsEndpoint(string address, DaemonMetrics metrics, double healthTicks, ILogger<MetricsEndpoint> logger)
    : IHostedService, IDisposable
{
    private readonly HttpListener _health = new();
    private MetricServer? _metrics;
    private Task _serving = Task.CompletedTask;
    private CancellationTokenSource? _stop;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            var (host, port) = Split(address);
            _metrics = new MetricServer(host, port, "metrics/", metrics.Registry);
            _metrics.Start();
            _health.Prefixes.Add($"http://{host}:{port.ToString(CultureInfo.InvariantCulture)}/healthz/");
            _health.Start();
        }
        catch (Exception ex) when (ex is HttpListenerException or ArgumentException or FormatException or InvalidOperationException)
        {
            Log.CannotListen(logger, address, ex.Message);
            _metrics?.Dispose();
            _metrics = null;
            return Task.CompletedTask;
        }

        Log.Listening(logger, address);
        _stop = new CancellationTokenSource();
        _serving = Task.Run(() => ServeHealthAsync(_stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stop is not null)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
        }

        if (_metrics is not null)
        {
            await _metrics.StopAsync().ConfigureAwait(false);
        }

        await _serving.ConfigureAwait(false);
    }

    public void Dispose()
    {
        _metrics?.Dispose();
        ((IDisposable)_health).Dispose();
        _stop?.Dispose();
    }

    /// <summary>"127.0.0.1:9479", "[::1]:9479" or "localhost:9479" into what HttpListener prefixes take.</summary>
    private static (string Host, int Port) Split(string address)
    {
        var colon = address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new FormatException($"\"{address}\" is not host:port");
        }

        return (address[..colon], port);
    }

    private async Task ServeHealthAsync(CancellationToken stop)
    {
        using var registration = stop.Register(_health.Stop);
        while (!stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _health.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            var (healthy, reason) = metrics.Health(healthTicks);
            var body = Encoding.UTF8.GetBytes(reason + "\n");
            context.Response.StatusCode = healthy ? 200 : 503;
            context.Response.ContentType = "text/plain; charset=utf-8";
            context.Response.ContentLength64 = body.Length;
            try
            {
                await context.Response.OutputStream.WriteAsync(body, stop).ConfigureAwait(false);
                context.Response.Close();
            }
            catch (Exception ex) when (ex is HttpListenerException or IOException or OperationCanceledException)
            {
                // The prober went away.
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "Metrics on http://{Address}/metrics, health on /healthz")]
        public static partial void Listening(ILogger logger, string address);

        [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Cannot serve metrics on {Address}: {Reason}; backups continue without them")]
        public static partial void CannotListen(ILogger logger, string address, string reason);
    }
}

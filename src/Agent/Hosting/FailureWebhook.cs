using System.Net.Http.Json;
using System.Text.Json.Serialization;
using EtcdAgent.Diagnostics;
using Microsoft.Extensions.Logging;

namespace EtcdAgent.Hosting;

/// <summary>
/// POSTs a small JSON document when a tick fails and again when backups recover, so a failing backup reaches a
/// chat room or pager without a metrics stack. Best effort with a short timeout: a dead webhook never blocks backups.
/// The error text is the operator-facing message, which never holds secrets; logs name only the webhook host
/// (URLs of chat webhooks carry their token in the path).
/// </summary>
internal sealed partial class FailureWebhook(Uri url, string cluster, string node, TimeProvider time, ILogger logger) : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private bool _failing;

    /// <summary>A tick failed; <c>stage</c> is the failure's label (upload, verify, ...), as in etcd_agent_failures_total.</summary>
    public Task TickFailedAsync(DateTimeOffset fire, FailureStage stage, string error) => FailedAsync(fire, stage.Label(), error);

    /// <summary>A drill failed at one of its own steps: <c>stage</c> is drill-&lt;step&gt; (drill-fetch, drill-start, ...).</summary>
    public Task DrillFailedAsync(DateTimeOffset fire, string? drillStep, string error) => FailedAsync(fire, $"{FailureStage.Drill.Label()}-{drillStep}", error);

    private Task FailedAsync(DateTimeOffset fire, string stage, string error)
    {
        _failing = true;
        return PostAsync(new WebhookEvent("failure", cluster, node, fire, time.GetUtcNow(), stage, error));
    }

    public Task TickSucceededAsync(DateTimeOffset fire)
    {
        if (!_failing)
        {
            return Task.CompletedTask;
        }

        _failing = false;
        return PostAsync(new WebhookEvent("recovery", cluster, node, fire, time.GetUtcNow(), null, null));
    }

    public void Dispose() => _http.Dispose();

    private async Task PostAsync(WebhookEvent body)
    {
        try
        {
            using var response = await _http.PostAsJsonAsync(url, body, WebhookJsonContext.Default.WebhookEvent).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                Log.Failed(logger, url.GetLeftPart(UriPartial.Authority), $"HTTP {(int)response.StatusCode}");
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            Log.Failed(logger, url.GetLeftPart(UriPartial.Authority), ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3200, Level = LogLevel.Warning, Message = "Webhook {Url} failed: {Reason}")]
        public static partial void Failed(ILogger logger, string url, string reason);
    }
}

/// <summary>What the webhook receives.</summary>
internal sealed record WebhookEvent(string Event, string Cluster, string Node, DateTimeOffset Tick, DateTimeOffset At, string? Stage, string? Error);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WebhookEvent))]
internal sealed partial class WebhookJsonContext : JsonSerializerContext;

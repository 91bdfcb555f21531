using System.Collections.Concurrent;

namespace EtcdAgent.IntegrationTests.Fixtures;

/// <summary>
/// Sits between the S3 SDK and the real server and records every request (method, URL, headers); optionally slows
/// part uploads to expose how many run at once. For behaviour s3rver lacks, the requests the client sent are the
/// evidence (environment.md).
/// </summary>
public sealed class RecordingHandler(HttpMessageHandler inner, TimeSpan partDelay = default) : DelegatingHandler(inner)
{
    private int _partsInFlight;
    private int _maxPartsInFlight;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public int MaxPartsInFlight => _maxPartsInFlight;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var headers = request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>())
            .ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(",", h.Value));
        var isPart = request.Method == HttpMethod.Put && request.RequestUri!.Query.Contains("partNumber=", StringComparison.Ordinal);
        if (isPart)
        {
            var now = Interlocked.Increment(ref _partsInFlight);
            int seen;
            while ((seen = _maxPartsInFlight) < now && Interlocked.CompareExchange(ref _maxPartsInFlight, now, seen) != seen)
            {
            }
        }

        try
        {
            if (isPart && partDelay > TimeSpan.Zero)
            {
                await Task.Delay(partDelay, cancellationToken);
            }

            var response = await base.SendAsync(request, cancellationToken);
            Requests.Enqueue(new RecordedRequest(request.Method.Method, request.RequestUri!, headers, (int)response.StatusCode));
            return response;
        }
        finally
        {
            if (isPart)
            {
                Interlocked.Decrement(ref _partsInFlight);
            }
        }
    }
}

public sealed record RecordedRequest(string Method, Uri Uri, IReadOnlyDictionary<string, string> Headers, int Status);

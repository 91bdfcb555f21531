using System.Collections.Concurrent;

namespace EtcdAgent.IntegrationTests.Fixtures;

/// <summary>A webhook endpoint on loopback that keeps every JSON body it receives (answering 204).</summary>
public sealed class WebhookReceiver : IDisposable
{
    private readonly System.Net.HttpListener _listener = new();

    public WebhookReceiver()
    {
        Port = FreePorts.Next();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _ = Task.Run(ReceiveAsync);
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}/hook";

    public ConcurrentQueue<string> Events { get; } = new();

    private async Task ReceiveAsync()
    {
        while (_listener.IsListening)
        {
            try
            {
                var ctx = await _listener.GetContextAsync();
                using (var reader = new StreamReader(ctx.Request.InputStream))
                {
                    Events.Enqueue(await reader.ReadToEndAsync());
                }

                ctx.Response.StatusCode = 204;
                ctx.Response.Close();
            }
            catch (Exception ex) when (ex is System.Net.HttpListenerException or ObjectDisposedException)
            {
                return;
            }
        }
    }

    public void Dispose() => _listener.Close();
}

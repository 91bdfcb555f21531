using System.Diagnostics;
using System.Globalization;
using EtcdAgent.Protocol.Etcd;
using Etcdserverpb;
using Google.Protobuf;

namespace EtcdAgent.Bench;

/// <summary>
/// EtcdFill's "load" mode: a sustained, paced write load (issue 22's benchmark). Puts of random 1-8 KiB values over a
/// bounded key set (so the live keyspace stays bounded; only etcd's history grows), paced to a fixed rate by ticket:
/// write i is due at start + i / rate, taken by whichever of the concurrent writers is free (one writer waits for
/// each fsync, so one alone cannot reach hundreds of writes per second). A writer that falls behind catches up at
/// once (open loop), so the achieved rate shows whether etcd kept up. Every acknowledged write is logged as
/// "revision unix_ms" (the time the response arrived), sorted by revision.
/// </summary>
internal static class Load
{
    private const int Writers = 16;
    private const int MinValue = 1024;
    private const int MaxValue = 8192;

    public static async Task<int> RunAsync(Uri endpoint, double rate, double seconds, int keys, string logFile)
    {
        var total = (int)Math.Round(rate * seconds);
        var revisions = new long[total];
        var acknowledged = new long[total];
        var latencies = new double[total];
        var errors = 0;
        var ticket = -1;
        using var client = new EtcdClient(new EtcdClientOptions { Endpoints = [endpoint], CommandTimeout = TimeSpan.FromSeconds(30) });
        var clock = Stopwatch.StartNew();

        async Task WriterAsync(int seed)
        {
            var random = new Random(seed);
            var value = new byte[MaxValue];
            while (true)
            {
                var i = Interlocked.Increment(ref ticket);
                if (i >= total)
                {
                    return;
                }

                var due = TimeSpan.FromSeconds(i / rate);
                var wait = due - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait).ConfigureAwait(false);
                }

                random.NextBytes(value);
                var request = new PutRequest
                {
                    Key = ByteString.CopyFromUtf8(string.Create(CultureInfo.InvariantCulture, $"/bench/load/key-{random.Next(keys):D5}")),
                    Value = ByteString.CopyFrom(value, 0, random.Next(MinValue, MaxValue + 1)),
                };
                var sent = clock.Elapsed;
                try
                {
                    var response = await client.PutAsync(request).ConfigureAwait(false);
                    revisions[i] = response.Header.Revision;
                    acknowledged[i] = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
                    latencies[i] = (clock.Elapsed - sent).TotalMilliseconds;
                }
                catch (Exception ex) when (ex is EtcdRpcException or OperationCanceledException or IOException)
                {
                    Interlocked.Increment(ref errors);
                    await Console.Error.WriteLineAsync($"put {i} failed: {ex.Message}").ConfigureAwait(false);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(() => WriterAsync(1000 + w)))).ConfigureAwait(false);
        var elapsed = clock.Elapsed.TotalSeconds;

        var done = Enumerable.Range(0, total).Where(i => revisions[i] > 0).OrderBy(i => revisions[i]).ToList();
        await using (var log = new StreamWriter(logFile))
        {
            foreach (var i in done)
            {
                await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{revisions[i]} {acknowledged[i]}")).ConfigureAwait(false);
            }
        }

        var sorted = done.Select(i => latencies[i]).Order().ToArray();
        double Percentile(double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"load: {done.Count} writes in {elapsed:F1} s = {done.Count / elapsed:F1} writes/s (target {rate}), {errors} errors, " +
            $"revisions {(done.Count > 0 ? revisions[done[0]] : 0)}..{(done.Count > 0 ? revisions[done[^1]] : 0)}, " +
            $"put latency p50 {Percentile(0.5):F1} ms p99 {Percentile(0.99):F1} ms"));
        return errors == 0 ? 0 : 1;
    }
}

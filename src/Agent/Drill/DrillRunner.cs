using System.Diagnostics;
using System.Security.Cryptography;
using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Configuration;
using EtcdAgent.Manifests;
using EtcdAgent.Protocol.Etcd;
using EtcdAgent.Restore;
using EtcdAgent.Storage;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace EtcdAgent.Drill;

/// <summary>
/// A restore drill: the backup fetched and proven exactly as a restore would (same fetcher), restored with the
/// same binary into a temp dir, served by a throwaway etcd on loopback ports the kernel picked, and checked —
/// revision, live key count, a sample of keys whose values must equal what the file holds, /registry/ for
/// Kubernetes. The real member's data dir and ports are never touched; the temp dir is always removed. Without
/// an etcd (or restore) binary the drill still fetches and verifies, and says it ran verify-only.
/// </summary>
internal sealed class DrillRunner(DrillOptions options, string stateDir, long maxSnapshotBytes, TimeProvider time, ILoggerFactory loggers,
    Func<string, string?> environment)
{
    public Task<DrillReport> RunAsync(IObjectStore store, BackupManifest manifest, Keyring keyring, CancellationToken cancellationToken) =>
        RunAsync(DrillSource.Of(store, manifest, keyring, maxSnapshotBytes), cancellationToken);

    /// <summary>A drill of <paramref name="source"/>: a stored backup, or a snapshot its caller builds (a point in time).</summary>
    public async Task<DrillReport> RunAsync(DrillSource source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(options.Timeout);
        var ct = limit.Token;
        var started = time.GetTimestamp();
        var stages = new List<DrillStage>();
        var work = Path.Combine(options.WorkDir ?? Path.Combine(stateDir, "drill"), "drill-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)));
        string? stage = null;
        var mode = "full";
        string? note = null;
        KeySampler? sampler = null;
        long? liveKeys = source.LiveKeys;
        ThrowawayEtcd? etcd = null;

        async Task Stage(string name, Func<Task> body)
        {
            stage = name;
            var at = time.GetTimestamp();
            await body().ConfigureAwait(false);
            stages.Add(new DrillStage(name, time.GetElapsedTime(at).TotalSeconds, true));
        }

        DrillReport Report(string result, string? failedStage, string? error) => new()
        {
            BackupId = source.BackupId,
            PointInTime = source.PointInTime,
            Mode = mode,
            Result = result,
            FailedStage = failedStage,
            Error = error,
            Stages = stages,
            Revision = source.Revision,
            LiveKeys = liveKeys,
            SampledKeys = sampler?.Samples.Count ?? 0,
            Kubernetes = sampler?.SawRegistry ?? false,
            DurationSeconds = time.GetElapsedTime(started).TotalSeconds,
            Note = note,
        };

        try
        {
            Directory.CreateDirectory(work, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var snapshot = Path.Combine(work, "snapshot.db");
            await Stage("preflight", () =>
            {
                var free = new DriveInfo(work).AvailableFreeSpace;
                return free >= 3 * source.RawSize
                    ? Task.CompletedTask
                    : throw new ConfigurationException($"{work} has {Output.ByteSize.Format(free)} free; a drill needs 3x the snapshot ({Output.ByteSize.Format(3 * source.RawSize)}): set drill.workDir");
            }).ConfigureAwait(false);
            await Stage("fetch", async () =>
            {
                var report = await source.Fetch(snapshot, ct).ConfigureAwait(false);
                liveKeys = report.Status!.LiveKeys;
            }).ConfigureAwait(false);
            if (source.ProveBundle is { } proveBundle)
            {
                await Stage("bundle", () => proveBundle(ct)).ConfigureAwait(false);
            }

            await Stage("sample", () =>
            {
                sampler = KeySampler.Walk(snapshot, options.SampleKeys, liveKeys ?? 0);
                return Task.CompletedTask;
            }).ConfigureAwait(false);

            var etcdBinary = options.EtcdBinary ?? RestoreTool.FindOnPath("etcd", environment("PATH"));
            RestoreTool? tool = null;
            try
            {
                tool = await RestoreTool.FindAsync(options.RestoreBinary, environment("PATH"), source.EtcdVersion, ct).ConfigureAwait(false);
            }
            catch (ConfigurationException ex)
            {
                note = ex.Message;
            }

            if (etcdBinary is null || !File.Exists(etcdBinary) || tool is null)
            {
                mode = "verify-only";
                note ??= $"no etcd binary ({options.EtcdBinary ?? "etcd not on PATH"}): set drill.etcdBinary to run full drills";
                return Report("pass", null, null);
            }

            var peer = new Uri($"http://127.0.0.1:{ThrowawayEtcd.FreePort()}");
            var token = "etcd-agent-drill-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
            var dataDir = Path.Combine(work, "data");
            await Stage("restore", () => tool.RestoreAsync(
                RestoreTool.Arguments(snapshot, dataDir, null, "drill", peer.ToString().TrimEnd('/'), $"drill={peer.ToString().TrimEnd('/')}", token, 0), ct)).ConfigureAwait(false);
            File.Delete(snapshot); // the restored db is a copy; keep the disk use to two copies at most

            using var client = new EtcdClient(new EtcdClientOptions { Endpoints = [new Uri($"http://127.0.0.1:{ThrowawayEtcd.FreePort()}")] }, time, loggers.CreateLogger<EtcdClient>());
            await Stage("start", async () =>
            {
                etcd = ThrowawayEtcd.Start(etcdBinary, dataDir, "drill", peer, client.Endpoints[0].Port, token);
                await WaitHealthyAsync(client, etcd, ct).ConfigureAwait(false);
            }).ConfigureAwait(false);
            await Stage("check", () => CheckAsync(client, source.Revision, liveKeys, sampler!, ct)).ConfigureAwait(false);
            return Report("pass", null, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            stages.Add(new DrillStage(stage ?? "?", 0, false));
            return Report("fail", stage, $"the drill did not finish within {options.Timeout.TotalMinutes:0} minutes (drill.timeout)");
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            var failed = stage == "fetch" && ex is InvalidDataException ? "verify" : stage ?? "?";
            stages.Add(new DrillStage(failed, 0, false));
            return Report("fail", failed, ex.Message + (etcd is { Exited: true } ? " etcd's output: " + etcd.LogTail : string.Empty));
        }
        finally
        {
            etcd?.Dispose();
            try
            {
                if (Directory.Exists(work))
                {
                    Directory.Delete(work, recursive: true);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The report (pass or fail) matters more than a leftover temp dir; the next drill uses a new one.
                _ = ex;
            }
        }
    }

    internal static async Task WaitHealthyAsync(EtcdClient client, ThrowawayEtcd etcd, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var last = "no answer";
        while (watch.Elapsed < TimeSpan.FromMinutes(2))
        {
            if (etcd.Exited)
            {
                throw new InvalidDataException("the throwaway etcd exited on the restored data: " + etcd.LogTail);
            }

            try
            {
                if ((await client.StatusAsync(client.Endpoints[0], ct).ConfigureAwait(false)).Leader != 0)
                {
                    return;
                }

                last = "no leader";
            }
            catch (EtcdRpcException ex)
            {
                last = ex.Detail;
            }

            await Task.Delay(200, ct).ConfigureAwait(false);
        }

        throw new TimeoutException($"the throwaway etcd did not become healthy within 2 minutes ({last})");
    }

    private static async Task CheckAsync(EtcdClient client, long snapshotRevision, long? liveKeys, KeySampler sampler, CancellationToken ct)
    {
        var count = await client.CountAllKeysAsync(ct).ConfigureAwait(false);
        var revision = (await client.StatusAsync(client.Endpoints[0], ct).ConfigureAwait(false)).Header.Revision;
        var expectedRevision = Math.Max(snapshotRevision, 1);
        if (revision != expectedRevision)
        {
            throw new InvalidDataException($"the restored etcd is at revision {revision}, but the snapshot is of revision {snapshotRevision}");
        }

        if (liveKeys is { } expected && count != expected)
        {
            throw new InvalidDataException($"the restored etcd serves {count} keys, but the snapshot holds {expected} live keys");
        }

        foreach (var (key, valueSha) in sampler.Samples)
        {
            var response = await client.RangeAsync(new Etcdserverpb.RangeRequest { Key = ByteString.CopyFrom(key) }, ct).ConfigureAwait(false);
            if (response.Kvs.Count != 1 || !SHA256.HashData(response.Kvs[0].Value.Span).AsSpan().SequenceEqual(valueSha))
            {
                throw new InvalidDataException($"key {System.Text.Encoding.UTF8.GetString(key)} reads back {(response.Kvs.Count == 0 ? "missing" : "with another value")} than the snapshot file holds");
            }
        }

        if (sampler.SawRegistry)
        {
            var registry = await client.RangeAsync(new Etcdserverpb.RangeRequest
            {
                Key = ByteString.CopyFromUtf8("/registry/"),
                RangeEnd = ByteString.CopyFromUtf8("/registry0"),
                CountOnly = true,
            }, ct).ConfigureAwait(false);
            if (registry.Count == 0)
            {
                throw new InvalidDataException("the snapshot holds Kubernetes keys, but the restored etcd has nothing under /registry/");
            }
        }
    }
}

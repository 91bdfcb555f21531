using System.Security.Cryptography;
using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Configuration;
using EtcdAgent.Drill;
using EtcdAgent.Manifests;
using EtcdAgent.Protocol.Etcd;
using EtcdAgent.Restore;
using EtcdAgent.Snapshots;
using EtcdAgent.Storage;
using EtcdAgent.Verification;
using Microsoft.Extensions.Logging;

namespace EtcdAgent.Continuous;

/// <summary>
/// Builds a plain etcd snapshot of the cluster as it was at one revision of a chain's window: the base backup fetched
/// and proven, restored into a throwaway etcd on 127.0.0.1 (the drill's machinery), every lease it holds kept alive,
/// each later revision replayed and checked (<see cref="RevisionReplay"/>) up to the target, then a snapshot of that
/// member saved, its sha256 trailer checked, and verified — its status must say the target revision.
/// </summary>
internal sealed class PointInTimeBuilder(IObjectStore store, Keyring keyring, long maxSnapshotBytes, TimeProvider time, ILoggerFactory loggers)
{
    /// <summary>Where etcd and the restore binary come from (PATH when null), and where the scratch data goes.</summary>
    public required string? EtcdBinary { get; init; }

    public required string? RestoreBinary { get; init; }

    public required string WorkDir { get; init; }

    public required Func<string, string?> Environment { get; init; }

    public async Task<VerificationReport> BuildAsync(BackupManifest baseBackup, SegmentChain chain, long revision, string outPath,
        bool overwrite, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(baseBackup);
        ArgumentNullException.ThrowIfNull(chain);
        var segments = chain.SegmentsTo(revision) ?? throw new ConfigurationException(
            $"revision {revision} is outside backup {chain.BaseId}'s window ({chain.BaseRevision}..{chain.LastRevision}); `backup list` shows each chain's window");
        var work = Path.Combine(WorkDir, "pitr-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)));
        Directory.CreateDirectory(work, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            var snapshot = Path.Combine(work, "base.db");
            await BackupFetcher.FetchAsync(store, baseBackup, keyring, snapshot, overwrite: true, maxSnapshotBytes, null, cancellationToken, durable: false).ConfigureAwait(false);
            var etcdBinary = EtcdBinary ?? RestoreTool.FindOnPath("etcd", Environment("PATH"))
                ?? throw new ConfigurationException("a point-in-time snapshot replays into a throwaway etcd: install etcd (etcd-server) or set drill.etcdBinary");
            var tool = await RestoreTool.FindAsync(RestoreBinary, Environment("PATH"), baseBackup.EtcdVersion, cancellationToken).ConfigureAwait(false);
            var peer = new Uri($"http://127.0.0.1:{ThrowawayEtcd.FreePort()}");
            var token = "etcd-agent-pitr-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
            var dataDir = Path.Combine(work, "data");
            var peerText = peer.ToString().TrimEnd('/');
            await tool.RestoreAsync(RestoreTool.Arguments(snapshot, dataDir, null, "pitr", peerText, $"pitr={peerText}", token, 0), cancellationToken).ConfigureAwait(false);
            File.Delete(snapshot);

            using var client = new EtcdClient(new EtcdClientOptions
            {
                Endpoints = [new Uri($"http://127.0.0.1:{ThrowawayEtcd.FreePort()}")],
                CommandTimeout = TimeSpan.FromSeconds(30),
            }, time, loggers.CreateLogger<EtcdClient>());
            using var etcd = ThrowawayEtcd.Start(etcdBinary, dataDir, "pitr", peer, client.Endpoints[0].Port, token);
            await DrillRunner.WaitHealthyAsync(client, etcd, cancellationToken).ConfigureAwait(false);
            await ReplayAsync(client, segments, chain.BaseRevision, revision, cancellationToken).ConfigureAwait(false);

            return await AtomicFile.WriteAsync(outPath, overwrite, async file =>
            {
                var info = await SnapshotDownloader.DownloadAsync(client, client.Endpoints[0], file, time, cancellationToken).ConfigureAwait(false);
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                var report = SnapshotVerifier.VerifyStreamed(((FileStream)file).SafeFileHandle, outPath, info.Sha256);
                return !report.Valid
                    ? throw new InvalidDataException($"the point-in-time snapshot fails verification: {report.Fault}")
                    : report.Status!.Revision != revision
                        ? throw new InvalidDataException($"the point-in-time snapshot holds revision {report.Status.Revision}, not {revision}")
                        : report;
            }).ConfigureAwait(false);
        }
        finally
        {
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
                // Scratch data under the work dir: the next build does not read it.
            }
        }
    }

    private async Task ReplayAsync(EtcdClient client, IReadOnlyList<SegmentManifest> segments, long baseRevision, long target, CancellationToken cancellationToken)
    {
        // Leases of the base are kept alive for the whole replay: one expiring on the replay's clock would delete keys
        // in a revision the original never had (the revision check would then stop the build).
        var leases = new HashSet<long>((await client.LeaseLeasesAsync(cancellationToken).ConfigureAwait(false)).Leases.Select(l => l.ID));
        var keepAlives = new List<LeaseKeepAlive>();
        try
        {
            foreach (var id in leases)
            {
                var ttl = await client.LeaseTimeToLiveAsync(id, cancellationToken: cancellationToken).ConfigureAwait(false);
                keepAlives.Add(client.KeepAlive(id, TimeSpan.FromSeconds(Math.Max(ttl.GrantedTTL, 1))));
            }

            var replay = new RevisionReplay(client, leases);
            var at = baseRevision;
            var replayed = new Dictionary<long, (byte[] Fingerprint, string Segment)>();
            foreach (var segment in segments)
            {
                var name = SegmentLayout.Name(segment.FirstRevision, segment.LastRevision);
                foreach (var old in replayed.Keys.Where(r => r < segment.FirstRevision).ToList())
                {
                    replayed.Remove(old); // segments come in order of their first revision: never compared again
                }

                foreach (var revision in await SegmentReader.ReadAsync(store, segment, keyring, cancellationToken).ConfigureAwait(false))
                {
                    var fingerprint = Fingerprint(revision);
                    if (revision.Revision <= at)
                    {
                        // Two writers for a moment wrote this revision twice: the copies must agree, or the chain is damaged.
                        if (replayed.TryGetValue(revision.Revision, out var first) && !first.Fingerprint.AsSpan().SequenceEqual(fingerprint))
                        {
                            throw new InvalidDataException(
                                $"revision {revision.Revision} differs between segments {first.Segment} and {name}: the chain is damaged there; restore to a revision before it");
                        }

                        continue;
                    }

                    if (revision.Revision > target)
                    {
                        return;
                    }

                    await replay.ApplyAsync(revision, cancellationToken).ConfigureAwait(false);
                    at = revision.Revision;
                    replayed[at] = (fingerprint, name);
                }
            }

            if (at != target)
            {
                throw new InvalidDataException($"the chain's segments end at revision {at}, before {target}");
            }
        }
        finally
        {
            foreach (var keepAlive in keepAlives)
            {
                await keepAlive.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The events of a revision as etcd encoded them, hashed: equal for two copies of the same revision.</summary>
    private static byte[] Fingerprint(RevisionEvents revision)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var e in revision.Events)
        {
            hash.AppendData(Google.Protobuf.MessageExtensions.ToByteArray(e));
        }

        return hash.GetHashAndReset();
    }
}

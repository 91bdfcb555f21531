using System.Globalization;
using System.Security.Cryptography;
using EtcdAgent.Configuration;
using EtcdAgent.Restore.Topology;
using EtcdAgent.Verification;

namespace EtcdAgent.Restore;

/// <summary>
/// Turns a request into a plan without changing anything on the node: the snapshot fetched (or read) and verified,
/// the topology detected, the restore binary found and asked what it supports, the initial cluster and a fresh
/// token chosen, and the preflight checks passed. Anything wrong is reported here, before a single step is taken.
/// </summary>
internal sealed class RestorePlanner(TimeProvider time, Func<string, string?> environment, ShellRunner shell)
{
    /// <summary>The revision bump for Kubernetes (etcd's docs): far above anything a watcher can have seen.</summary>
    public const long KubernetesBump = 1_000_000_000;

    public static string NewId(DateTimeOffset now) =>
        now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2));

    public async Task<RestorePlan> PlanAsync(RestoreRequest request, BackupSource backups, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(backups);
        var id = NewId(time.GetUtcNow());
        var topology = DetectTopology(request, id);
        var member = topology.Member;
        var warnings = new List<string>();

        var store = new JournalStore(request.StateDir);
        var snapshot = await GetSnapshotAsync(request, store.WorkDir(id), backups, cancellationToken).ConfigureAwait(false);
        BundlePlan? bundle = null;
        try
        {
            if (request.WithBundle)
            {
                bundle = await PlanBundleAsync(snapshot, backups, id, warnings, cancellationToken).ConfigureAwait(false);
            }

            var tool = await RestoreTool.FindAsync(request.RestoreBinary, environment("PATH"), snapshot.EtcdVersion, cancellationToken).ConfigureAwait(false);
            if (tool.VersionWarning(snapshot.EtcdVersion) is { } versionWarning)
            {
                warnings.Add(versionWarning);
            }

            await CheckAgreementAsync(request, topology, snapshot, warnings, cancellationToken).ConfigureAwait(false);
            var cluster = ChooseInitialCluster(request, member, snapshot);
            member = member with { PeerUrls = cluster.Members[member.Name].Select(u => new Uri(u)).ToList() };
            var bump = ChooseBump(request, topology, tool, warnings);
            Preflight(request, member, snapshot, warnings);
            var journal = new RestoreJournal
            {
                Id = id,
                StartedAt = time.GetUtcNow(),
                State = JournalState.InProgress,
                Token = request.Token ?? "etcd-agent-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)),
                InitialCluster = cluster.ToString(),
                SnapshotPath = snapshot.Path,
                BackupId = snapshot.BackupId,
                SnapshotSha256 = snapshot.Sha256,
                SnapshotRevision = snapshot.Revision,
                ExpectedLiveKeys = snapshot.LiveKeys,
                Bump = bump,
                RestoreBinary = tool.Path,
                RestoreBinaryKind = tool.Kind,
                Topology = topology.Spec,
                Member = member,
                ForceStart = request.ForceStart,
                HadOldMember = new DataDirs(member, id).HasOldMember,
                Bundle = bundle?.Journal,
                Steps = [],
            };
            var dirs = new DataDirs(member, id);
            journal.Steps.AddRange(RestoreSteps.For(topology.ManagesApiServer, step => Title(step, journal, topology, tool, dirs), bundle is not null));
            return new RestorePlan(journal, topology, tool, snapshot, warnings, dirs.HasOldMember) { Bundle = bundle };
        }
        catch
        {
            bundle?.Dispose();
            Discard(snapshot);
            throw;
        }
    }

    /// <summary>Removes what a plan fetched (a dry run, or a plan that was refused): the snapshot, and the bundle's plain bytes.</summary>
    public static void Discard(RestorePlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        plan.Bundle?.Dispose();
        Discard(plan.Snapshot);
    }

    /// <summary>
    /// --with-bundle: the bundle of the backup the snapshot came from (a point in time: the chain's base). A snapshot
    /// file has none; that is refused before the fetch, and again here for the wizard's choice.
    /// </summary>
    private static async Task<BundlePlan> PlanBundleAsync(FetchedSnapshot snapshot, BackupSource backups, string id, List<string> warnings,
        CancellationToken cancellationToken)
    {
        if (snapshot.BackupId is not { } backupId)
        {
            throw new ConfigurationException(
                $"--with-bundle restores the control-plane files stored beside a backup; {snapshot.Path} is a snapshot file, which has none: " +
                "pass --snapshot latest or a backup id from `etcd-agent backup list`, or restore the file without --with-bundle. Nothing was changed.");
        }

        var source = await backups.FetchBundleAsync(backupId, cancellationToken).ConfigureAwait(false);
        try
        {
            return await BundlePlanner.PlanAsync(source, backupId, id, warnings, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            source.Bundle.Dispose();
            throw;
        }
    }

    /// <summary>Removes a snapshot fetched into the work dir (a dry run, or a plan that was refused).</summary>
    public static void Discard(FetchedSnapshot snapshot)
    {
        if (snapshot.InWorkDir && File.Exists(snapshot.Path))
        {
            File.Delete(snapshot.Path);
            var dir = Path.GetDirectoryName(snapshot.Path)!;
            if (!Directory.EnumerateFileSystemEntries(dir).Any())
            {
                Directory.Delete(dir);
            }
        }
    }

    /// <summary>Rebuilds the topology a journal recorded (resume and rollback must not re-detect: manifests may be aside).</summary>
    public IRestoreTopology TopologyFor(RestoreJournal journal)
    {
        ArgumentNullException.ThrowIfNull(journal);
        var spec = journal.Topology;
        return spec.Kind == "kubeadm"
            ? new KubeadmTopology(spec.ManifestsDir!, spec.AsideDir!, journal.Member)
            : new CommandTopology(spec.Kind, journal.Member, spec.StopCommand, spec.StartCommand, shell);
    }

    private IRestoreTopology DetectTopology(RestoreRequest request, string id)
    {
        var kind = request.Topology;
        var unitFile = request.UnitFile ?? SystemdUnit.Find(request.Unit);
        if (kind == "auto")
        {
            kind = KubeadmTopology.IsPresent(request.ManifestsDir) ? "kubeadm" : unitFile is not null ? "systemd" : "explicit";
        }

        var overrides = EtcdFlags.FromArguments(Overrides(request));
        switch (kind)
        {
            case "kubeadm":
                var aside = KubeadmTopology.AsideDirFor(request.ManifestsDir, id);
                var (flags, source) = KubeadmTopology.ReadFlags(request.ManifestsDir, aside);
                return new KubeadmTopology(request.ManifestsDir, aside, MemberConfig.FromFlags(flags.Merge(overrides), source));
            case "systemd":
                if (unitFile is null || !File.Exists(unitFile))
                {
                    throw new ConfigurationException($"no systemd unit {request.Unit} found (looked in /etc/systemd/system and /lib/systemd/system): pass --unit NAME or --unit-file PATH, or --topology explicit");
                }

                var unitFlags = SystemdUnit.ReadFlags(unitFile, environment("HOSTNAME") ?? System.Net.Dns.GetHostName());
                var unitName = Path.GetFileName(unitFile);
                return new CommandTopology("systemd", MemberConfig.FromFlags(unitFlags.Merge(overrides), unitFile),
                    request.StopCommand ?? $"systemctl stop {unitName}", request.StartCommand ?? $"systemctl start {unitName}", shell);
            case "explicit":
                if (request.Name is null || request.DataDir is null || request.PeerUrls is null)
                {
                    throw new ConfigurationException(
                        "no kubeadm manifest or etcd systemd unit was found, so say which member this is: --name NAME --data-dir DIR --initial-advertise-peer-urls URL (and --listen-client-urls if not http://localhost:2379), or --topology kubeadm|systemd");
                }

                var explicitFlags = overrides;
                if (request.ListenPeerUrls is null)
                {
                    // etcd's default listen URL is localhost:2380; for the port gate the advertised one is the better guess.
                    explicitFlags = explicitFlags.Merge(EtcdFlags.FromArguments(["--listen-peer-urls", request.PeerUrls]));
                }

                return new CommandTopology("explicit", MemberConfig.FromFlags(explicitFlags, "the command line"), request.StopCommand, request.StartCommand, shell);
            default:
                throw new ConfigurationException($"--topology {request.Topology}: expected auto, kubeadm, systemd or explicit");
        }
    }

    /// <summary>
    /// A detected member (kubeadm, systemd) must be the one the configured endpoints and the backup name; where it
    /// disagrees, the restore refuses unless --name says which member this is (then each disagreement is a warning
    /// in the plan). An explicit topology is named by its flags already.
    /// </summary>
    private static async Task CheckAgreementAsync(RestoreRequest request, IRestoreTopology topology, FetchedSnapshot snapshot, List<string> warnings,
        CancellationToken cancellationToken)
    {
        if (topology.Kind == "explicit")
        {
            return;
        }

        var member = topology.Member;
        var answering = Directory.Exists(Path.Combine(member.DataDir, "member"))
            ? []
            : await MemberAgreement.AnsweringLocalAsync(request.Endpoints, cancellationToken).ConfigureAwait(false);
        var problems = MemberAgreement.Disagreements(member, snapshot.Members, request.Endpoints, request.EndpointsSource, answering);
        if (problems.Count == 0)
        {
            return;
        }

        if (request.Name is not null)
        {
            warnings.AddRange(problems.Select(p => $"--name {request.Name}: the member from {member.Source} disagrees: {p}"));
            return;
        }

        throw new ConfigurationException(
            $"the member detected from {member.Source} ({member.Name}, data dir {member.DataDir}) disagrees with what this restore was told: " +
            string.Join("; ", problems) + ". Nothing was changed. If it really is the member to restore, say so with --name " + member.Name +
            " (the plan then lists these as warnings); otherwise point at the right one: --unit NAME or --unit-file PATH, --manifests-dir DIR, " +
            "or --topology explicit --name NAME --data-dir DIR --initial-advertise-peer-urls URL.");
    }

    private static IEnumerable<string> Overrides(RestoreRequest request)
    {
        foreach (var (flag, value) in new[]
                 {
                     ("name", request.Name), ("data-dir", request.DataDir), ("wal-dir", request.WalDir),
                     ("initial-advertise-peer-urls", request.PeerUrls), ("listen-client-urls", request.ListenClientUrls),
                     ("listen-peer-urls", request.ListenPeerUrls),
                 })
        {
            if (value is not null)
            {
                yield return $"--{flag}={value}";
            }
        }
    }

    private static async Task<FetchedSnapshot> GetSnapshotAsync(RestoreRequest request, string workDir, BackupSource backups, CancellationToken cancellationToken)
    {
        FetchedSnapshot snapshot;
        if (File.Exists(request.Snapshot) || request.Snapshot.Contains('/', StringComparison.Ordinal))
        {
            var path = Path.GetFullPath(request.Snapshot);
            if (!File.Exists(path))
            {
                throw new ConfigurationException($"--snapshot {request.Snapshot}: no such file (pass latest, a backup id from `backup list`, or a snapshot file)");
            }

            var report = await SnapshotVerifier.VerifyAsync(path, trailer: true, cancellationToken).ConfigureAwait(false);
            if (!report.Valid)
            {
                throw new InvalidDataException($"{path} fails verification: {report.Fault}. Nothing was changed; use another snapshot.");
            }

            snapshot = new FetchedSnapshot(path, report.Sha256!, new FileInfo(path).Length, report.Status!.Revision, report.Status.LiveKeys,
                null, null, null, null, InWorkDir: false);
        }
        else
        {
            snapshot = await backups.FetchAsync(request.Snapshot, workDir, cancellationToken).ConfigureAwait(false);
        }

        if (request.SnapshotSha256 is { } expected && !string.Equals(expected, snapshot.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            Discard(snapshot);
            throw new InvalidDataException(
                $"the snapshot's sha256 is {snapshot.Sha256}, not {expected} (--snapshot-sha256): every member of a cluster must restore the very same snapshot. Use the backup the first member used.");
        }

        return snapshot;
    }

    private static InitialCluster ChooseInitialCluster(RestoreRequest request, MemberConfig member, FetchedSnapshot snapshot)
    {
        InitialCluster cluster;
        if (request.InitialCluster is not null)
        {
            cluster = InitialCluster.Parse(request.InitialCluster, "--initial-cluster");
        }
        else if (snapshot.Members is { Count: > 0 } members && members.Any(m => m.Name == member.Name))
        {
            // The backup's members, with this member's own (possibly new) peer URLs; learners are not restored.
            cluster = InitialCluster.From(members.Where(m => !m.IsLearner).Select(m =>
                (m.Name, m.Name == member.Name ? member.PeerUrls.Select(MemberConfig.Format) : m.PeerUrls.AsEnumerable())));
        }
        else if (member.InitialCluster is not null && InitialCluster.Parse(member.InitialCluster, member.Source).Members.ContainsKey(member.Name))
        {
            cluster = InitialCluster.Parse(member.InitialCluster, member.Source);
        }
        else
        {
            cluster = InitialCluster.From([(member.Name, member.PeerUrls.Select(MemberConfig.Format))]);
        }

        if (!cluster.Members.TryGetValue(member.Name, out var urls))
        {
            throw new ConfigurationException(
                $"this member is '{member.Name}' ({member.Source}), but the initial cluster ({cluster}) has no member of that name: pass --name or --initial-cluster so they agree");
        }

        var own = member.PeerUrls.Select(MemberConfig.Format).Order(StringComparer.Ordinal);
        if (request.InitialCluster is not null && request.PeerUrls is not null
            && !urls.Select(u => u.TrimEnd('/')).Order(StringComparer.Ordinal).SequenceEqual(own))
        {
            throw new ConfigurationException(
                $"--initial-cluster gives {member.Name} the peer URLs {string.Join(',', urls)}, but --initial-advertise-peer-urls says {string.Join(',', own)}: they must be equal");
        }

        return cluster;
    }

    private static long ChooseBump(RestoreRequest request, IRestoreTopology topology, RestoreTool tool, List<string> warnings)
    {
        var kubernetes = request.Kubernetes || topology.Kind == "kubeadm";
        var bump = request.BumpRevision ?? (kubernetes ? KubernetesBump : 0);
        if (bump < 0)
        {
            throw new ConfigurationException("--bump-revision must be 0 or more");
        }

        if (bump > 0 && !tool.SupportsBumpRevision)
        {
            if (request.BumpRevision is not null)
            {
                throw new ConfigurationException(
                    $"--bump-revision {bump}: {tool.Kind} {tool.Version} cannot bump the revision (3.4.27/3.5.10/3.6 and later can); pass a newer --restore-binary or --bump-revision 0");
            }

            warnings.Add($"{tool.Kind} {tool.Version} cannot bump the revision: after the restore, restart every kube-apiserver, controller-manager, scheduler and kubelet so none keeps watching a revision that now means something else (or use etcdutl 3.5.10+ / etcdctl 3.4.27+ via --restore-binary)");
            return 0;
        }

        return bump;
    }

    private static void Preflight(RestoreRequest request, MemberConfig member, FetchedSnapshot snapshot, List<string> warnings)
    {
        var problems = new List<string>();
        foreach (var dir in new[] { member.DataDir, member.WalDir }.OfType<string>())
        {
            var existing = dir;
            while (!Directory.Exists(existing))
            {
                existing = Path.GetDirectoryName(existing) ?? "/";
            }

            var free = new DriveInfo(existing).AvailableFreeSpace;
            var need = 2 * snapshot.Size;
            if (free < need)
            {
                problems.Add($"{existing} has {Output.ByteSize.Format(free)} free; the restore needs {Output.ByteSize.Format(need)} (twice the snapshot) there");
            }

            if (!request.DryRun && !CanWrite(existing))
            {
                problems.Add($"{existing} is not writable (read-only filesystem?)");
            }
        }

        if (member.WalDir is not null && (member.WalDir + "/").StartsWith(Path.Combine(member.DataDir, "member") + "/", StringComparison.Ordinal))
        {
            problems.Add($"the WAL dir {member.WalDir} is inside {Path.Combine(member.DataDir, "member")}, which the restore moves aside as a whole; move the WAL dir out of member/ first (or restore without --wal-dir)");
        }
        else if (member.WalDir is not null && member.WalDir.StartsWith(member.DataDir + "/", StringComparison.Ordinal))
        {
            warnings.Add($"the WAL dir {member.WalDir} is inside the data dir {member.DataDir}");
        }

        if (problems.Count > 0)
        {
            throw new ConfigurationException("preflight failed, nothing was changed: " + string.Join("; ", problems));
        }
    }

    private static bool CanWrite(string dir)
    {
        var probe = Path.Combine(dir, ".etcd-agent-probe-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        try
        {
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string Title(string step, RestoreJournal journal, IRestoreTopology topology, RestoreTool tool, DataDirs dirs) => step switch
    {
        RestoreSteps.RestoreStaged => $"Restore the snapshot with {tool.Kind} {tool.Version} into {dirs.Staged} (etcd keeps running)",
        RestoreSteps.StopApiServer => "Stop kube-apiserver (its manifest moves aside)",
        RestoreSteps.StopEtcd => $"Stop etcd: {topology.StopText} (should that fail, it counts as done only if nothing answers on the ports below and no process holds {journal.Member.DataDir})",
        RestoreSteps.PortsClosed => $"Wait until nothing answers on {string.Join(", ", journal.Member.PortsToGate)}",
        RestoreSteps.MoveAside => $"Move {dirs.Member} aside to {dirs.OldMember}" + (journal.Member.WalDir is { } w ? $" and the files of {w} to {dirs.WalWork}/old-wal" : string.Empty),
        RestoreSteps.Install => $"Put the restored member in place at {dirs.Member}",
        RestoreSteps.RestoreBundle => BundleTitle(journal.Bundle!, journal.Id),
        RestoreSteps.StartGate => "Check that no old member of the cluster still runs",
        RestoreSteps.StartEtcd => $"Start etcd: {topology.StartText}",
        RestoreSteps.Healthy => $"Wait until {journal.Member.LocalClientUrl} is healthy",
        RestoreSteps.Check => "Check the live key count and revision against the backup",
        RestoreSteps.StartApiServer => "Start kube-apiserver (its manifest moves back)",
        _ => step,
    };

    private static string BundleTitle(BundleJournal bundle, string id)
    {
        int Count(string verdict) => bundle.Planned.Count(v => v.Verdict == verdict);
        return $"Put back the control-plane files of backup {bundle.BackupId}'s bundle under {bundle.Root}: {Count(BundleVerdict.Missing)} missing here (written), " +
               $"{Count(BundleVerdict.Differs)} different (this node's set aside as .etcd-agent-{id}.NAME beside each, then written), {Count(BundleVerdict.Same)} the same (untouched)";
    }
}

/// <summary>A restore ready to run: the journal to write, and what the plan shows.</summary>
internal sealed record RestorePlan(RestoreJournal Journal, IRestoreTopology Topology, RestoreTool Tool, FetchedSnapshot Snapshot,
    IReadOnlyList<string> Warnings, bool HasOldMember)
{
    /// <summary>restore --with-bundle: the bundle to put back, or null.</summary>
    public BundlePlan? Bundle { get; init; }
}

using System.Diagnostics;
using System.Text.RegularExpressions;
using EtcdAgent.Configuration;

namespace EtcdAgent.Restore;

/// <summary>
/// The upstream binary that writes a member's data dir from a snapshot: etcdutl (3.5+) or etcdctl (3.4). Restore
/// rewrites membership, the WAL and consistent_index in etcd's own formats, so it is left to etcd's code rather
/// than reimplemented. Found on PATH or given with --restore-binary; its version and whether it can bump the
/// revision are asked of the binary itself.
/// </summary>
internal sealed partial record RestoreTool(string Path, string Kind, Version Version, bool SupportsBumpRevision)
{
    public static async Task<RestoreTool> FindAsync(string? explicitPath, string? searchPath, string? snapshotEtcdVersion, CancellationToken cancellationToken)
    {
        var path = explicitPath ?? FindOnPath("etcdutl", searchPath) ?? FindOnPath("etcdctl", searchPath);
        if (path is null)
        {
            var want = snapshotEtcdVersion is null ? "your etcd version" : snapshotEtcdVersion;
            throw new ConfigurationException(
                "no restore binary: neither etcdutl nor etcdctl is on PATH (kubeadm hosts run etcd in a container and usually have neither). " +
                $"Install etcd-client (etcdctl 3.4) or download etcdutl {want} from https://github.com/etcd-io/etcd/releases and pass --restore-binary PATH.");
        }

        if (!File.Exists(path))
        {
            throw new ConfigurationException($"--restore-binary {path} does not exist");
        }

        var kind = System.IO.Path.GetFileName(path).Contains("etcdutl", StringComparison.Ordinal) ? "etcdutl" : "etcdctl";
        var versionText = await RunAsync(path, ["version"], cancellationToken).ConfigureAwait(false);
        var match = VersionPattern().Match(versionText.Output);
        if (versionText.ExitCode != 0 || !match.Success)
        {
            throw new ConfigurationException($"{path} version did not print a version ({versionText.Output.Trim()}): is it etcdutl or etcdctl?");
        }

        var help = await RunAsync(path, ["snapshot", "restore", "--help"], cancellationToken).ConfigureAwait(false);
        return new RestoreTool(path, kind, Version.Parse(match.Groups[1].Value), help.Output.Contains("--bump-revision", StringComparison.Ordinal));
    }

    /// <summary>A warning when the binary is older than the etcd that wrote the snapshot, else null.</summary>
    public string? VersionWarning(string? snapshotEtcdVersion)
    {
        if (snapshotEtcdVersion is null || !Version.TryParse(snapshotEtcdVersion.Split('-')[0], out var etcd))
        {
            return null;
        }

        return (Version.Major, Version.Minor).CompareTo((etcd.Major, etcd.Minor)) < 0
            ? $"{Kind} {Version} is older than the etcd {snapshotEtcdVersion} that wrote this snapshot; use a {etcd.Major}.{etcd.Minor} {(etcd.Minor >= 5 ? "etcdutl" : "etcdctl")} if you can (--restore-binary)"
            : null;
    }

    public static IReadOnlyList<string> Arguments(string snapshot, string dataDir, string? walDir, string name, string peerUrls,
        string initialCluster, string token, long bump)
    {
        var args = new List<string>
        {
            "snapshot", "restore", snapshot, "--name", name, "--data-dir", dataDir,
            "--initial-cluster", initialCluster, "--initial-cluster-token", token,
            "--initial-advertise-peer-urls", peerUrls,
        };
        if (walDir is not null)
        {
            args.AddRange(["--wal-dir", walDir]);
        }

        if (bump > 0)
        {
            args.AddRange(["--bump-revision", bump.ToString(System.Globalization.CultureInfo.InvariantCulture), "--mark-compacted"]);
        }

        return args;
    }

    public async Task RestoreAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var result = await RunAsync(Path, arguments, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new RestoreStepException($"{Kind} snapshot restore failed (exit {result.ExitCode}): {result.Output.Trim()}");
        }
    }

    /// <summary>The first <paramref name="name"/> in the directories of a PATH-style list, or null.</summary>
    public static string? FindOnPath(string name, string? searchPath) =>
        (searchPath ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => System.IO.Path.Combine(dir, name))
        .FirstOrDefault(File.Exists);

    private static async Task<(int ExitCode, string Output)> RunAsync(string path, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        // etcdctl 3.4 speaks v3 by default, but an operator's ETCDCTL_API=2 would turn restore into a v2 command.
        psi.Environment["ETCDCTL_API"] = "3";
        using var process = Process.Start(psi) ?? throw new RestoreStepException($"cannot start {path}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Do not leave a restore writing into a directory the caller is about to remove.
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        return (process.ExitCode, await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false));
    }

    [GeneratedRegex(@"version:\s*v?(\d+\.\d+\.\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex VersionPattern();
}

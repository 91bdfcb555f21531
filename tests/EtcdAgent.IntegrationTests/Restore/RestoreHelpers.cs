using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EtcdAgent.IntegrationTests.Fixtures;
using EtcdAgent.Protocol.Etcd;

namespace EtcdAgent.IntegrationTests.Restore;

/// <summary>What the restore tests share: running the built binary, hashing directory trees, reading journals.</summary>
internal static class RestoreHelpers
{
    public static async Task<ProcessRunner.Result> AgentAsync(IEnumerable<string> args, TimeSpan? timeout = null)
    {
        // A spool of its own per run: test classes run in parallel, and one spool directory admits one backup at a
        // time (the node's backup lock is an flock on it), as it would on one node.
        using var spool = new TempDir("etcd-agent-test-spool");
        var environment = Environment();
        environment["ETCD_AGENT_BACKUP__SPOOLDIR"] = spool.Path;
        return await ProcessRunner.RunAsync(AgentBinary.Path, args, environment, timeout ?? TimeSpan.FromSeconds(120));
    }

    public static Dictionary<string, string?> Environment() => new()
    {
        ["ETCD_AGENT_KUBEADM_PKI_DIR"] = "/nonexistent",
        ["ETCDCTL_ENDPOINTS"] = null,
        ["ETCD_AGENT_ENDPOINTS"] = null,
        ["ETCD_AGENT_CONFIG"] = null,

        // Without a config file the spool would be the node's default, /var/lib/etcd-agent/spool.
        ["ETCD_AGENT_BACKUP__SPOOLDIR"] = Path.Combine(Path.GetTempPath(), "etcd-agent-test-spool"),
    };

    /// <summary>Every file and directory under <paramref name="root"/> (except restore work dirs) with its sha256: equal trees, equal strings.</summary>
    public static string Tree(string root, bool includeRestoreWork = false)
    {
        if (!Directory.Exists(root))
        {
            return "(missing)";
        }

        var text = new StringBuilder();
        foreach (var entry in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(root, entry);
            if (!includeRestoreWork && relative.StartsWith(".etcd-agent-", StringComparison.Ordinal))
            {
                continue;
            }

            text.Append(relative).Append(' ');
            text.AppendLine(File.Exists(entry) ? Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(entry))) : "dir");
        }

        return text.ToString();
    }

    public static async Task PutAsync(EtcdClient client, string prefix, int count, string value = "v")
    {
        for (var i = 0; i < count; i++)
        {
            await client.PutAsync($"{prefix}{i:D3}", $"{value}-{i}");
        }
    }

    public static async Task<string?> GetAsync(EtcdClient client, string key)
    {
        var response = await client.GetAsync(key);
        return response.Kvs.Count == 0 ? null : response.Kvs[0].Value.ToStringUtf8();
    }

    /// <summary>The single journal under a state dir.</summary>
    public static JsonElement Journal(string stateDir)
    {
        var file = Directory.GetFiles(Path.Combine(stateDir, "restore"), "journal.json", SearchOption.AllDirectories).Single();
        using var document = JsonDocument.Parse(File.ReadAllBytes(file));
        return document.RootElement.Clone();
    }

    public static string StepStatus(JsonElement journal, string step) =>
        journal.GetProperty("steps").EnumerateArray().First(s => s.GetProperty("name").GetString() == step).GetProperty("status").GetString()!;

    public static async Task<string> BackupAsync(ScriptedEtcd etcd, string store)
    {
        var result = await AgentAsync(["backup", "create", "--store", store, "--endpoints", etcd.ClientUrl, "-w", "json"]);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException("backup create failed: " + result.Stderr);
        }

        using var manifest = JsonDocument.Parse(result.Stdout);
        return manifest.RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>The flags that describe a scripted member to `restore --topology explicit`.</summary>
    public static string[] Explicit(ScriptedEtcd etcd, string stateDir) =>
    [
        "--topology", "explicit", "--name", etcd.Name, "--data-dir", etcd.DataDir,
        "--initial-advertise-peer-urls", etcd.PeerUrl, "--listen-client-urls", etcd.ClientUrl,
        "--stop-command", etcd.StopCommand, "--start-command", etcd.StartCommand,
        "--state-dir", stateDir, "--stop-timeout", "20s", "--health-timeout", "60s",
    ];
}

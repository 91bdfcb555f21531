using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Configuration;

namespace EtcdAgent.Doctor;

/// <summary>
/// The encryption key (and the old keys kept for reading) load with the same loader backups use: present, private
/// (no group/other access), base64 of 32 bytes. Even a good key is a warning: nothing here can see whether a copy
/// exists off-cluster, and without one every backup dies with the cluster it was meant to restore.
/// </summary>
internal sealed class EncryptionKeyCheck : IDoctorCheck
{
    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    public string Name => "encryption key";

    public Task<CheckResult> RunAsync(DoctorContext context, CancellationToken cancellationToken)
    {
        if (context.Options is not { } options)
        {
            return Task.FromResult(CheckResult.Skipped("needs a valid configuration"));
        }

        if (options.Backup.KeyFile is not { } keyFile)
        {
            return Task.FromResult(CheckResult.Warning(
                "backups are NOT encrypted: an etcd snapshot holds every Kubernetes Secret, readable by anyone who can read the store",
                "etcd-agent key generate /etc/etcd-agent/backup.key, set backup.encryption.keyFile to it, and keep a copy off-cluster"));
        }

        var loaded = new List<EncryptionKey>();
        foreach (var path in options.Backup.OldKeyFiles.Prepend(keyFile))
        {
            try
            {
                loaded.Add(KeyringService.ReadKey(path));
            }
            catch (ConfigurationException ex)
            {
                return Task.FromResult(CheckResult.Failed(ex.Message, FixFor(path)));
            }
        }

        var current = loaded[0];
        var old = loaded.Count > 1 ? $", {loaded.Count - 1} old key(s) readable" : string.Empty;
        return Task.FromResult(CheckResult.Warning(
            $"key {current.IdHex} in {keyFile} is readable, private and 32 bytes{old}; it must be escrowed off-cluster",
            $"keep a copy of {keyFile} outside this cluster (password manager, vault, a safe): without it no backup can be restored"));
    }

    private static string FixFor(string path)
    {
        if (!File.Exists(path))
        {
            return $"put the key back at {path} from your off-cluster copy, or make a new one (etcd-agent key generate {path}; " +
                   "backups made with a lost key stay unreadable)";
        }

        return (File.GetUnixFileMode(path) & GroupOrOther) != 0
            ? $"chmod 600 {Output.ShellQuote.Quote(path)} (and chown it to the user the agent runs as)"
            : $"the file must hold one base64 32-byte key as written by `etcd-agent key generate`; if backups were made with it, restore the original from your off-cluster copy";
    }
}

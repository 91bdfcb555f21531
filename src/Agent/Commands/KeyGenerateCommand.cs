using System.CommandLine;
using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Configuration;
using EtcdAgent.Failures;

namespace EtcdAgent.Commands;

/// <summary><c>etcd-agent key generate FILE</c>: a new AES-256 key file (0600), and the escrow advice.</summary>
internal static class KeyGenerateCommand
{
    public static Command Create(CliContext context)
    {
        var file = new Argument<string>("FILE") { Description = "Where to write the key (created 0600; never overwritten)" };
        var command = new Command("generate", "Create an encryption key file for backups") { file };
        command.SetAction(parse =>
        {
            var path = Path.GetFullPath(parse.GetValue(file)!);
            try
            {
                if (Directory.Exists(path))
                {
                    throw new ConfigurationException($"{path} is a directory; give the path of the new key file, e.g. {Path.Combine(path, "backup.key")}");
                }

                if (File.Exists(path))
                {
                    throw new ConfigurationException($"{path} already exists; a key is never overwritten (backups made with it would become unreadable): choose another path");
                }

                var key = EncryptionKey.Generate(path);
                context.Out.WriteLine($"Wrote a new 256-bit key to {path} (mode 0600), key id {key.IdHex}.");
                context.Out.WriteLine();
                context.Out.WriteLine("Keep a copy of this key OFF the cluster now (a password manager, a vault, a safe).");
                context.Out.WriteLine("Backups encrypted with it can only be restored with it: if every control-plane node is lost");
                context.Out.WriteLine("and the key lived only there, the backups are unreadable.");
                return ExitCodes.Success;
            }
            catch (Exception ex) when (ex is ConfigurationException or IOException or UnauthorizedAccessException)
            {
                context.Error.WriteLine($"Error: {ex.Message}");
                return ex is ConfigurationException ? ExitCodes.Usage : ExitCodes.Failure;
            }
        });
        return command;
    }
}

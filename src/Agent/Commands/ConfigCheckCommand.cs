using System.CommandLine;
using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Configuration;
using EtcdAgent.Failures;

namespace EtcdAgent.Commands;

/// <summary>
/// <c>etcd-agent config check</c>: validates the configuration and the local files it names (key files and their
/// permissions, credentials), reporting every problem at once; no network. `doctor` checks reachability.
/// </summary>
internal static class ConfigCheckCommand
{
    public static Command Create(CliContext context, AgentFlags flags)
    {
        var command = new Command("check", "Validate the configuration file and the files it names (no network)");
        command.SetAction(parse =>
        {
            try
            {
                var options = flags.Load(parse, context);
                var problems = new List<string>();
                foreach (var keyFile in options.Backup.KeyFile is { } k ? options.Backup.OldKeyFiles.Prepend(k) : options.Backup.OldKeyFiles)
                {
                    Try(problems, () => KeyringService.ReadKey(keyFile));
                }

                if (options.Store.S3 is { Credentials: CredentialSource.File } s3)
                {
                    Try(problems, () => Storage.S3.SharedCredentialsFile.Read(s3.CredentialsFile!, s3.CredentialsProfile));
                }

                if (options.Etcd.PasswordFile is { } passwordFile)
                {
                    Try(problems, () => SecretFiles.ReadPassword(passwordFile));
                }

                foreach (var file in new[] { options.Etcd.CaCert, options.Etcd.Cert, options.Etcd.Key }.OfType<string>())
                {
                    if (FileChecks.NotAFile(file) is { } problem)
                    {
                        problems.Add($"etcd TLS file {file} {problem}");
                    }
                }

                if (options.Etcd.Key is { } tlsKey && File.Exists(tlsKey))
                {
                    Try(problems, () => SecretFiles.EnsurePrivate(tlsKey, "etcd client key"));
                }

                if (options.Bundle.Enabled && options.Backup.KeyFile is null)
                {
                    problems.Add("bundle.enabled is true but no backup.encryption.keyFile is set: every backup would be stored without its recovery bundle " +
                                 "(it holds private keys and is never stored in plain text); set a key (`etcd-agent key generate FILE`)");
                }

                if (problems.Count > 0)
                {
                    context.Error.WriteLine($"Error: {options.SourceFile ?? "the configuration"} is valid, but {problems.Count} file problem{(problems.Count == 1 ? string.Empty : "s")}:");
                    foreach (var problem in problems)
                    {
                        context.Error.WriteLine("  " + problem);
                    }

                    return ExitCodes.Usage;
                }

                context.Out.WriteLine($"{options.SourceFile ?? "(flags and environment)"}: OK");
                context.Out.WriteLine($"  cluster {options.Cluster}, node {options.Node}");
                context.Out.WriteLine($"  store   {Describe(options.Store)}");
                context.Out.WriteLine($"  backup  {options.Backup.Compression.ToString().ToLowerInvariant()} -{options.Backup.Level}, " +
                                      (options.Backup.KeyFile is null ? "NOT encrypted" : $"encrypted with {options.Backup.KeyFile} (keep a copy off-cluster)") +
                                      $", spool {options.Backup.SpoolDir}");
                var r = options.Retention;
                context.Out.WriteLine($"  keep    last {r.KeepLast}, hourly {r.Hourly}, daily {r.Daily}, weekly {r.Weekly}, monthly {r.Monthly} ({r.TimeZone.Id}); at most {(r.MaxDeleteFraction * 100).ToString("0", System.Globalization.CultureInfo.InvariantCulture)}% per prune");
                var c = options.Continuous;
                context.Out.WriteLine(c.Enabled
                    ? $"  stream  every write, segments every {Configuration.GoDuration.Format(c.Interval)} or {ByteSizes.Format(c.MaxSegmentBytes)} (one writer per cluster)"
                    : "  stream  off: restores reach the backups' revisions only (continuous.enabled: true for any revision)");
                var b = options.Bundle;
                context.Out.WriteLine(b.Enabled
                    ? $"  bundle  {string.Join(", ", b.Include)} + the encryption provider config{(b.Root == "/" ? string.Empty : $", under {b.Root}")}, encrypted beside each snapshot"
                    : "  bundle  off: backups hold etcd only (bundle.enabled: true to keep the PKI, manifests and kubeconfigs beside them)");
                return ExitCodes.Success;
            }
#pragma warning disable CA1031 // Top of a verb.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                return CommandFailure.Report(ex, context, settings: null);
            }
        });
        return command;
    }

    private static string Describe(StoreOptions store) => store.Kind == StoreKind.S3
        ? $"s3://{store.S3!.Bucket}/{store.S3.Prefix}{(store.S3.Endpoint is { } e ? $" at {e}" : string.Empty)}, parts {ByteSizes.Format(store.S3.PartSize)} x {store.S3.PartsInFlight}"
        : $"directory {store.LocalPath}";

    private static void Try(List<string> problems, Action action)
    {
        try
        {
            action();
        }
        catch (ConfigurationException ex)
        {
            problems.Add(ex.Message);
        }
    }
}

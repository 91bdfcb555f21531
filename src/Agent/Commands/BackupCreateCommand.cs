using System.CommandLine;
using System.Globalization;
using EtcdAgent.Composition;
using EtcdAgent.Configuration;
using EtcdAgent.Etcd;
using EtcdAgent.Failures;
using EtcdAgent.Manifests;
using EtcdAgent.Output;
using EtcdAgent.Snapshots;
using EtcdAgent.Storage;

using Microsoft.Extensions.DependencyInjection;

namespace EtcdAgent.Commands;

/// <summary>
/// <c>etcd-agent backup create</c>: one verified, encoded snapshot of the local member into the store, manifest
/// last — the daemon's job, run once by hand through the same pipeline.
/// </summary>
internal static class BackupCreateCommand
{
    public static Command Create(CliContext context, ConnectionFlags connection, AgentFlags flags, Option<string> writeOut)
    {
        var command = new Command("create", "Snapshot the local etcd member, verify, compress/encrypt and store it (manifest last)");
        command.SetAction((parse, ct) => RunAsync(parse, context, connection, flags, async (services, store, client, settings) =>
        {
            if (settings.Endpoints.Count != 1)
            {
                throw new ConfigurationException(
                    $"a backup is taken from exactly one member, got {settings.Endpoints.Count} endpoints " +
                    $"({string.Join(",", settings.Endpoints.Select(e => e.Display()))}); configure etcd.endpoints (or --endpoints) with the local member only");
            }

            var pipeline = services.GetRequiredService<BackupPipeline>();
            var manifest = await pipeline.CreateAsync(client, settings.Endpoints[0], ct).ConfigureAwait(false);
            // The backup is stored either way; a bundle that bundle.enabled asked for and did not get is an error
            // the operator must see (exit 1), not a footnote: without it the snapshot may not bring the control plane back.
            var exit = ExitCodes.Success;
            if (pipeline.BundleProblem is { } bundleProblem)
            {
                context.Error.WriteLine($"Error: backup {manifest.Id} was stored, but WITHOUT its recovery bundle: {bundleProblem}");
                exit = ExitCodes.Failure;
            }

            if (parse.GetValue(writeOut) == OutputFormat.Json)
            {
                context.Out.WriteLine(System.Text.Encoding.UTF8.GetString(manifest.ToJson()));
                return exit;
            }

            context.Out.WriteLine($"Backup {manifest.Id} stored in {store.Location}");
            context.Out.WriteLine($"  source:    {manifest.Source.Endpoint} (member {manifest.Source.MemberId} {manifest.Source.MemberName}, etcd {manifest.EtcdVersion})");
            context.Out.WriteLine($"  revision:  {manifest.Revision.ToString(CultureInfo.InvariantCulture)}, {manifest.Status.LiveKeys?.ToString(CultureInfo.InvariantCulture) ?? "?"} live keys, {manifest.Status.TotalKey.ToString(CultureInfo.InvariantCulture)} total");
            context.Out.WriteLine($"  size:      {ByteSize.Format(manifest.Raw.Size)} raw -> {ByteSize.Format(manifest.Stored.Size)} stored ({Codecs(manifest)})");
            context.Out.WriteLine($"  verified:  sha256 trailer + bbolt structure; manifest written last");
            if (manifest.Bundle is { } bundle)
            {
                context.Out.WriteLine($"  bundle:    {bundle.Files.Count} paths of node {bundle.Node}, {ByteSize.Format(bundle.Size)} encrypted" +
                                      (bundle.Missing.Count == 0 ? string.Empty : $"; missing: {string.Join(", ", bundle.Missing)}"));
            }

            context.Out.WriteLine($"  duration:  {manifest.DurationSeconds.ToString("0.000", CultureInfo.InvariantCulture)}s");
            return exit;
        }));
        return command;
    }

    /// <summary>"zstd -1 + aes-256-gcm (key 0123…)".</summary>
    public static string Codecs(BackupManifest manifest) =>
        $"{manifest.Codecs.Compression}{(manifest.Codecs.Compression == "none" ? string.Empty : " -" + manifest.Codecs.Level.ToString(CultureInfo.InvariantCulture))}" +
        (manifest.Codecs.Encryption is null ? string.Empty : $" + {manifest.Codecs.Encryption} (key {manifest.Codecs.KeyId})");

    private static async Task<int> RunAsync(ParseResult parse, CliContext context, ConnectionFlags connection, AgentFlags flags,
        Func<IServiceProvider, IObjectStore, Protocol.Etcd.EtcdClient, EtcdConnectionSettings, Task<int>> body)
    {
        EtcdConnectionSettings? settings = null;
        try
        {
            var options = flags.Load(parse, context);
            settings = connection.Resolve(parse, context, options.Etcd);
            var services = AgentServices.ForCli(options, settings, context.Loggers, context.Time);
            await using (services.ConfigureAwait(false))
            {
                return await body(services, services.GetRequiredService<IObjectStore>(), services.GetRequiredService<Protocol.Etcd.EtcdClient>(), settings).ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // Top of a verb: every failure becomes a message and an exit code.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return CommandFailure.Report(ex, context, settings);
        }
    }
}

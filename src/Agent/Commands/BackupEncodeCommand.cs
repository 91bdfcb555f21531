using System.CommandLine;
using EtcdAgent.Codecs;
using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Configuration;
using EtcdAgent.Failures;
using EtcdAgent.Output;
using EtcdAgent.Snapshots;
using EtcdAgent.Storage;

namespace EtcdAgent.Commands;

/// <summary>
/// <c>etcd-agent backup encode IN OUT</c>: the inverse of `backup decode`, offline — compress then (with a key)
/// encrypt a snapshot file exactly as the backup pipeline will. For moving snapshots by hand and for the codec
/// benchmarks; the input's sha256 trailer is checked on the way, so a damaged snapshot is never encoded.
/// </summary>
internal static class BackupEncodeCommand
{
    public static Command Create(CliContext context)
    {
        var input = new Argument<string>("IN") { Description = "A snapshot file (with etcd's sha256 trailer)" };
        var output = new Argument<string>("OUT") { Description = "Where to write the encoded object (0600)" };
        var compression = new Option<string>("--compression") { Description = "zstd, gzip or none", DefaultValueFactory = _ => "zstd" };
        compression.AcceptOnlyFromAmong("zstd", "gzip", "none");
        var level = new Option<int?>("--level") { Description = "Compression level (zstd 1-19, gzip 1-9; default 1 for both)" };
        var key = new Option<string?>("--key-file") { Description = "Encrypt with this key (AES-256-GCM envelope)" };
        var force = new Option<bool>("--force") { Description = "Replace OUT if it exists" };
        var command = new Command("encode", "Compress and optionally encrypt a snapshot file as the backup pipeline does, offline")
        {
            input, output, compression, level, key, force,
        };
        command.SetAction((parse, ct) => SnapshotFileCommand.RunAsync(context, parse.GetValue(input)!, async () =>
        {
            var kind = Enum.Parse<CompressionKind>(parse.GetValue(compression)!, ignoreCase: true);
            var lvl = parse.GetValue(level) ?? (kind == CompressionKind.Gzip ? 1 : BackupOptions.DefaultZstdLevel);
            var encryptionKey = parse.GetValue(key) is { } keyFile ? KeyringService.ReadKey(keyFile) : null;
            var outPath = Path.GetFullPath(parse.GetValue(output)!);
            var source = File.OpenRead(parse.GetValue(input)!);
            await using var sourceScope = source.ConfigureAwait(false);
            var (plainBytes, storedBytes) = await AtomicFile.WriteAsync(outPath, parse.GetValue(force), async target =>
            {
                var counting = new CountingStream(target);
                var encoder = new PayloadEncoder(counting, kind, lvl, encryptionKey);
                await using var encoderScope = encoder.ConfigureAwait(false);
                using var trailer = new Sha256Trailer();
                var buffer = new byte[1024 * 1024];
                int n;
                while ((n = await source.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
                {
                    trailer.Append(buffer.AsSpan(0, n));
                    await encoder.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                }

                var check = trailer.Complete();
                if (!check.Valid)
                {
                    throw new InvalidDataException($"the input is not a whole etcd snapshot: {check.Problem}");
                }

                await encoder.FinishAsync(ct).ConfigureAwait(false);
                return (trailer.TotalBytes, counting.Written);
            }).ConfigureAwait(false);

            context.Out.WriteLine($"Encoded {parse.GetValue(input)} -> {outPath}");
            context.Out.WriteLine($"  {kind.ToString().ToLowerInvariant()} level {lvl}{(encryptionKey is null ? ", not encrypted" : $", AES-256-GCM with key {encryptionKey.IdHex}")}");
            context.Out.WriteLine($"  {ByteSize.Format(plainBytes)} -> {ByteSize.Format(storedBytes)} ({(plainBytes == 0 ? 0 : 100.0 * storedBytes / plainBytes):0.#}%), input sha256 trailer verified");
            return ExitCodes.Success;
        }));
        return command;
    }
}

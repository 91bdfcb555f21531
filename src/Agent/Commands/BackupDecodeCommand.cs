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
/// <c>etcd-agent backup decode IN OUT</c>: a stored object back into a plain etcd snapshot, offline — no store, no
/// etcd. OUT appears only when it is complete and its sha256 trailer checks out.
/// </summary>
internal static class BackupDecodeCommand
{
    public static Command Create(CliContext context)
    {
        var input = new Argument<string>("IN") { Description = "A stored object (snapshot.db[.zst|.gz][.enc])" };
        var output = new Argument<string>("OUT") { Description = "Where to write the plain snapshot (0600)" };
        var keys = new Option<string[]>("--key-file")
        {
            Description = "Encryption key file (repeatable: a keyring for rotated keys)",
            AllowMultipleArgumentsPerToken = false,
        };
        var force = new Option<bool>("--force") { Description = "Replace OUT if it exists" };
        var maxSize = new Option<string>("--max-size")
        {
            Description = "Refuse to write more than this many GiB (decompression-bomb guard)",
            DefaultValueFactory = _ => "64",
        };
        var command = new Command("decode", "Decrypt and decompress a stored backup object into a plain snapshot, offline")
        {
            input, output, keys, force, maxSize,
        };
        command.SetAction((parse, ct) => SnapshotFileCommand.RunAsync(context, parse.GetValue(input)!, async () =>
        {
            if (!double.TryParse(parse.GetValue(maxSize), System.Globalization.NumberStyles.Float,
                    System.Globalization.CultureInfo.InvariantCulture, out var gib) || gib <= 0)
            {
                throw new ConfigurationException($"--max-size '{parse.GetValue(maxSize)}' is not a positive number of GiB");
            }

            var keyring = KeyringService.ReadRing(parse.GetValue(keys) ?? []);
            var outPath = Path.GetFullPath(parse.GetValue(output)!);
            var stored = File.OpenRead(parse.GetValue(input)!);
            await using var storedScope = stored.ConfigureAwait(false);
            var (bytes, keyId, kind) = await AtomicFile.WriteAsync(outPath, parse.GetValue(force), async target =>
            {
                var decoded = await ObjectDecoder.OpenAsync(stored, keyring, (long)(gib * 1024 * 1024 * 1024), ct).ConfigureAwait(false);
                var plain = decoded.Plain;
                await using var plainScope = plain.ConfigureAwait(false);
                using var trailer = new Sha256Trailer();
                var buffer = new byte[1024 * 1024];
                int n;
                while ((n = await plain.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
                {
                    trailer.Append(buffer.AsSpan(0, n));
                    await target.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                }

                var check = trailer.Complete();
                return check.Valid
                    ? (trailer.TotalBytes, decoded.KeyId, decoded.Compression)
                    : throw new InvalidDataException($"the decoded bytes are not a whole etcd snapshot: {check.Problem}");
            }).ConfigureAwait(false);

            context.Out.WriteLine($"Decoded {parse.GetValue(input)} -> {outPath}");
            context.Out.WriteLine($"  layers: {(keyId is null ? "not encrypted" : $"AES-256-GCM (key {keyId})")}, compression {kind.ToString().ToLowerInvariant()}");
            context.Out.WriteLine($"  size: {ByteSize.Format(bytes)} ({bytes} bytes), sha256 trailer verified");
            return ExitCodes.Success;
        }));
        return command;
    }
}

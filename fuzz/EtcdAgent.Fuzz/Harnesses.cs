using EtcdAgent.Codecs;
using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Commands;
using EtcdAgent.Configuration;
using EtcdAgent.Manifests;
using EtcdAgent.Output;
using EtcdAgent.Verification;

namespace EtcdAgent.Fuzz;

/// <summary>
/// One harness per place hostile bytes enter. Each calls the same entry point the product calls and catches only
/// the exceptions the product turns into a clean error and exit code (SnapshotFileCommand.RunAsync, the store and
/// config paths): anything else escaping — IndexOutOfRange, NullReference, Overflow, OutOfMemory, a stack overflow
/// — is a crash afl-fuzz saves, and an input that runs past afl-fuzz's -t is a hang.
/// </summary>
internal static class Harnesses
{
    /// <summary>
    /// Output cap for the object harness. The product passes a configured cap in GiB (backup.maxSnapshotBytes,
    /// `backup decode --max-gib`); the check is the same code whatever the value, and a small one lets a
    /// decompression bomb show in milliseconds.
    /// </summary>
    public const long ObjectOutputCap = 16 * 1024 * 1024;

    /// <summary>The fixed key the object seeds are encrypted with (the fuzzer cannot forge a tag anyway).</summary>
    public static readonly EncryptionKey Key = EncryptionKey.FromBytes([.. Enumerable.Range(1, EncryptionKey.Size).Select(i => (byte)i)], "fuzz");

    // scripts/fuzz.sh gives each target its own directory under artifacts/fuzz; replaying by hand uses /tmp.
    private static readonly string Scratch = Environment.GetEnvironmentVariable("ETCD_AGENT_FUZZ_SCRATCH")
                                             ?? Path.Combine(Path.GetTempPath(), $"etcd-agent-fuzz-{Environment.ProcessId}");

    /// <summary>
    /// `snapshot status` and `snapshot verify` (with and without the trailer) of the input as a file, and the
    /// status printed as the commands print it. A damaged file must come back as a report with a fault
    /// (BboltCorruptException is caught inside the verifier) or an InvalidDataException (exit 6).
    /// </summary>
    public static void Snapshot(Stream input)
    {
        var path = WriteScratch(input, "snapshot.db");
        try
        {
            Print(SnapshotVerifier.Status(path));
            Print(SnapshotVerifier.VerifyAsync(path, trailer: false, CancellationToken.None).GetAwaiter().GetResult());
            Print(SnapshotVerifier.VerifyAsync(path, trailer: true, CancellationToken.None).GetAwaiter().GetResult());
        }
        catch (InvalidDataException)
        {
        }
    }

    /// <summary>
    /// ObjectDecoder as `backup decode` and the restore fetch use it: envelope header and AES-256-GCM chunks with
    /// a keyring holding <see cref="Key"/>, then zstd, gzip or no compression, read to the end under an output cap.
    /// Clean outcomes: InvalidDataException (exit 6) and ConfigurationException (the object names a key the ring
    /// lacks: exit 2).
    /// </summary>
    public static void Object(Stream input)
    {
        try
        {
            var decoded = ObjectDecoder.OpenAsync(input, new Keyring([Key]), ObjectOutputCap, CancellationToken.None).GetAwaiter().GetResult();
            using var plain = decoded.Plain;
            plain.CopyToAsync(Stream.Null).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is InvalidDataException or ConfigurationException)
        {
        }
    }

    /// <summary>The folder the manifest harness pretends its input was read from (the seed's own).</summary>
    public const string ManifestKey = "lab/20260102T030405Z-node-a-r73/manifest.json";

    /// <summary>
    /// What BackupCatalog does with every manifest.json in a store: BackupManifest.Parse, then ManifestCheck
    /// (confined to its own folder, fields agreeing with its id), then every field the commands read from a
    /// sound manifest (list, restore, fetch, drill). InvalidDataException is the clean outcome: the catalog lists
    /// the backup as damaged. A parsed manifest whose check or fields then throw is a finding: the parser let
    /// through what its consumers cannot handle.
    /// </summary>
    public static void Manifest(Stream input)
    {
        using var buffer = new MemoryStream();
        input.CopyTo(buffer);
        BackupManifest manifest;
        try
        {
            manifest = BackupManifest.Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), ManifestKey);
        }
        catch (InvalidDataException)
        {
            return;
        }

        if (ManifestCheck.Problem(manifest, "lab", ManifestKey) is { } problem)
        {
            GC.KeepAlive(ManifestCheck.Bounded(problem));
            return;
        }

        Touch(manifest);
    }

    /// <summary>ConfigLoader.Load of the input as config.yaml, with an empty environment. ConfigurationException is exit 2.</summary>
    public static void Config(Stream input)
    {
        var path = WriteScratch(input, "config.yaml");
        try
        {
            ConfigLoader.Load(path, _ => null);
        }
        catch (ConfigurationException)
        {
        }
    }

    private static void Print(VerificationReport report)
    {
        if (report.Valid)
        {
            SnapshotFileCommand.WriteTable(TextWriter.Null, report.Status!);
            AgentJsonContext.Write(TextWriter.Null, SnapshotFileCommand.ToJson(report.Status!), AgentJsonContext.Default.SnapshotStatusJson);
        }
    }

    /// <summary>Reads what the commands read from a manifest, the way they read it (no null checks: the type says non-null).</summary>
    private static void Touch(BackupManifest m)
    {
        var text = string.Join('|', m.Id.Length, m.Cluster.Name.Length, m.Cluster.Id.Length, m.Source.MemberId.Length,
            m.Source.MemberName.Length, m.Source.Endpoint.Length, m.EtcdVersion.Length, m.Revision, m.RaftIndex, m.RaftTerm,
            m.Status.Hash, m.Status.Revision, m.Status.TotalKey, m.Status.TotalSize, m.Status.LiveKeys,
            m.Raw.Sha256.Length, ByteSize.Format(m.Raw.Size), m.Stored.Key.Length, m.Stored.Sha256.Length, ByteSize.Format(m.Stored.Size),
            m.Codecs.Compression.Length, m.Codecs.Level, m.Codecs.Encryption, m.Codecs.KeyId, m.CreatedAt.UtcDateTime,
            m.DurationSeconds, m.AgentVersion.Length, m.Node.Length, BackupLayout.TimeOf(m.Id));
        foreach (var member in m.Members)
        {
            text += string.Join('|', member.Id.Length, member.Name.Length, member.IsLearner,
                string.Join(',', member.PeerUrls.Select(u => u.Length)), string.Join(',', member.ClientUrls.Select(u => u.Length)));
        }

        GC.KeepAlive(text);
        GC.KeepAlive(m.ToJson());
    }

    private static string WriteScratch(Stream input, string name)
    {
        Directory.CreateDirectory(Scratch);
        var path = Path.Combine(Scratch, name);
        using (var file = new FileStream(path, FileMode.Create, FileAccess.Write))
        {
            input.CopyTo(file);
        }

        return path;
    }
}

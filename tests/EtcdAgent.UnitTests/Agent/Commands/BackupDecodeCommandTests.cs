using EtcdAgent.Codecs;
using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Configuration;
using EtcdAgent.Failures;
using EtcdAgent.UnitTests.Agent.Verification;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Commands;

public sealed class BackupDecodeCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("decode-").FullName;

    private string P(string name) => Path.Combine(_dir, name);

    private static byte[] Snapshot => File.ReadAllBytes(SnapshotFixture.FixturePath("valid-small.db"));

    /// <summary>Encodes as the pipeline will: compress, then encrypt.</summary>
    private static async Task<byte[]> EncodeAsync(byte[] plain, CompressionKind kind, EncryptionKey? key)
    {
        using var target = new MemoryStream();
        var encryptor = key is null ? null : new EncryptingStream(target, key, 4096);
        var compressor = Compression.Compress((Stream?)encryptor ?? target, kind, 3);
        await compressor.WriteAsync(plain);
        await Compression.FinishAsync(compressor);
        if (encryptor is not null)
        {
            await encryptor.FinishAsync();
            encryptor.Dispose();
        }

        return target.ToArray();
    }

    private async Task<(int Code, CliHarness Cli)> DecodeAsync(byte[] stored, params string[] extra)
    {
        await File.WriteAllBytesAsync(P("stored"), stored);
        var cli = new CliHarness();
        var code = await cli.RunAsync(["backup", "decode", P("stored"), P("out.db"), .. extra]);
        return (code, cli);
    }

    [Theory]
    [InlineData(CompressionKind.Zstd, true)]
    [InlineData(CompressionKind.Gzip, true)]
    [InlineData(CompressionKind.None, true)]
    [InlineData(CompressionKind.Zstd, false)]
    [InlineData(CompressionKind.None, false)]
    public async Task DecodeGivesBackTheRealSnapshotByteForByte(CompressionKind kind, bool encrypted)
    {
        var keyFile = P("key");
        var key = EncryptionKey.Generate(keyFile);
        var (code, cli) = await DecodeAsync(await EncodeAsync(Snapshot, kind, encrypted ? key : null), "--key-file", keyFile);

        Assert.True(code == ExitCodes.Success, cli.Error.ToString());
        Assert.Equal(Snapshot, await File.ReadAllBytesAsync(P("out.db")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(P("out.db")));
        Assert.Contains("sha256 trailer verified", cli.Out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingKeyNamesTheKeyIdNeeded()
    {
        var key = EncryptionKey.Generate(P("key"));
        EncryptionKey.Generate(P("other"));
        var (code, cli) = await DecodeAsync(await EncodeAsync(Snapshot, CompressionKind.Zstd, key), "--key-file", P("other"));

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(key.IdHex, cli.Error.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(P("out.db")));
    }

    [Fact]
    public async Task TamperedObjectIsCorruptAndLeavesNothing()
    {
        var key = EncryptionKey.Generate(P("key"));
        var stored = await EncodeAsync(Snapshot, CompressionKind.Zstd, key);
        stored[^5] ^= 1;

        var (code, cli) = await DecodeAsync(stored, "--key-file", P("key"));

        Assert.Equal(ExitCodes.Corrupt, code);
        Assert.Contains("authentication", cli.Error.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(P("out.db")));
        Assert.False(File.Exists(P("out.db.part")));
    }

    [Fact]
    public async Task ABombStopsAtMaxSize()
    {
        var (code, cli) = await DecodeAsync(await EncodeAsync(new byte[32 * 1024 * 1024], CompressionKind.Zstd, null), "--max-size", "0.001");

        Assert.Equal(ExitCodes.Corrupt, code);
        Assert.Contains("limit", cli.Error.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(P("out.db")));
    }

    [Fact]
    public async Task DecodedBytesThatAreNotASnapshotAreRefused()
    {
        var (code, cli) = await DecodeAsync(await EncodeAsync(new byte[100_000], CompressionKind.Gzip, null));

        Assert.Equal(ExitCodes.Corrupt, code);
        Assert.Contains("not a whole etcd snapshot", cli.Error.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(P("out.db")));
    }

    [Theory]
    [InlineData("zstd", true)]
    [InlineData("gzip", false)]
    [InlineData("none", true)]
    public async Task EncodeThenDecodeIsTheIdentity(string compression, bool encrypted)
    {
        EncryptionKey.Generate(P("key"));
        string[] keyArgs = encrypted ? ["--key-file", P("key")] : [];
        var encode = new CliHarness();
        var decode = new CliHarness();

        var encoded = await encode.RunAsync(["backup", "encode", SnapshotFixture.FixturePath("valid-small.db"), P("stored"), "--compression", compression, .. keyArgs]);
        var decoded = await decode.RunAsync(["backup", "decode", P("stored"), P("out.db"), .. keyArgs]);

        Assert.True(encoded == ExitCodes.Success, encode.Error.ToString());
        Assert.True(decoded == ExitCodes.Success, decode.Error.ToString());
        Assert.Equal(Snapshot, await File.ReadAllBytesAsync(P("out.db")));
        Assert.Equal(encrypted, EnvelopeHeader.HasMagic(await File.ReadAllBytesAsync(P("stored"))));
    }

    [Fact]
    public async Task EncodeRefusesADamagedSnapshot()
    {
        var damaged = Snapshot;
        damaged[100] ^= 1;
        await File.WriteAllBytesAsync(P("damaged.db"), damaged);
        var cli = new CliHarness();

        Assert.Equal(ExitCodes.Corrupt, await cli.RunAsync("backup", "encode", P("damaged.db"), P("stored")));
        Assert.False(File.Exists(P("stored")));
    }

    [Fact]
    public async Task KeyGenerateWritesAPrivateKeyAndTheEscrowAdviceAndNeverOverwrites()
    {
        var first = new CliHarness();
        var second = new CliHarness();

        Assert.Equal(ExitCodes.Success, await first.RunAsync("key", "generate", P("k")));
        Assert.Equal(ExitCodes.Usage, await second.RunAsync("key", "generate", P("k")));

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(P("k")));
        Assert.Contains("OFF the cluster", first.Out.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(File.ReadAllText(P("k")).Trim(), first.Out.ToString(), StringComparison.Ordinal);
        Assert.Contains("never overwritten", second.Error.ToString(), StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}

using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Configuration;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Codecs;

public sealed class EnvelopeTests : IDisposable
{
    private const int Chunk = 4096;
    private readonly string _dir = Directory.CreateTempSubdirectory("envelope-").FullName;
    private static readonly EncryptionKey Key = EncryptionKey.FromBytes(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
    private static readonly EncryptionKey Other = EncryptionKey.FromBytes(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    private static async Task<byte[]> SealAsync(byte[] plain, EncryptionKey? key = null, byte[]? prefix = null, int writeSize = 1000)
    {
        using var target = new MemoryStream();
        using (var enc = new EncryptingStream(target, key ?? Key, Chunk, prefix))
        {
            for (var i = 0; i < plain.Length; i += writeSize)
            {
                await enc.WriteAsync(plain.AsMemory(i, Math.Min(writeSize, plain.Length - i)));
            }

            await enc.FinishAsync();
        }

        return target.ToArray();
    }

    private static async Task<byte[]> OpenAsync(byte[] sealedBytes, params EncryptionKey[] keys)
    {
        await using var dec = new DecryptingStream(new MemoryStream(sealedBytes), new Keyring(keys.Length == 0 ? [Key] : keys));
        using var output = new MemoryStream();
        await dec.CopyToAsync(output, 777);
        return output.ToArray();
    }

    private static byte[] Plain(int n)
    {
        var b = new byte[n];
        new Random(n).NextBytes(b);
        return b;
    }

    private static int ChunkAt(int i) => EnvelopeHeader.Size + (i * (Chunk + EnvelopeHeader.TagSize));

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(Chunk - 1)]
    [InlineData(Chunk)]
    [InlineData(Chunk + 1)]
    [InlineData(3 * Chunk)]
    [InlineData(20 * 1024 * 1024)]
    public async Task RoundTripsAndEndsWithAShortFinalChunk(int length)
    {
        var plain = Plain(length);
        var sealedBytes = await SealAsync(plain, writeSize: 65_536);

        Assert.Equal(plain, await OpenAsync(sealedBytes));
        var full = length / Chunk;
        Assert.Equal(EnvelopeHeader.Size + (full * (Chunk + 16)) + (length % Chunk) + 16, sealedBytes.Length);
    }

    [Fact]
    public async Task SameDataSealsDifferentlyEachTime()
    {
        var plain = Plain(10_000);
        Assert.NotEqual(await SealAsync(plain), await SealAsync(plain));
    }

    public static TheoryData<string> Tampers => ["flip in chunk 0", "flip in chunk 1", "flip in final chunk", "flip in header key id",
        "flip in header chunk size", "flip in header nonce prefix", "chunks swapped", "chunk duplicated", "truncated at a chunk boundary",
        "truncated inside a chunk", "trailing garbage", "final chunk dropped"];

    [Theory]
    [MemberData(nameof(Tampers))]
    public async Task EveryTamperingIsDetected(string tamper)
    {
        var plain = Plain((3 * Chunk) + 100);
        var s = await SealAsync(plain);
        byte[] bad = tamper switch
        {
            "flip in chunk 0" => Flip(s, ChunkAt(0) + 10),
            "flip in chunk 1" => Flip(s, ChunkAt(1) + Chunk + 3),
            "flip in final chunk" => Flip(s, s.Length - 1),
            "flip in header key id" => Flip(s, 9),
            "flip in header chunk size" => Flip(s, 18),
            "flip in header nonce prefix" => Flip(s, 22),
            "chunks swapped" => [.. s[..ChunkAt(0)], .. s[ChunkAt(1)..ChunkAt(2)], .. s[ChunkAt(0)..ChunkAt(1)], .. s[ChunkAt(2)..]],
            "chunk duplicated" => [.. s[..ChunkAt(1)], .. s[ChunkAt(0)..ChunkAt(1)], .. s[ChunkAt(1)..]],
            "truncated at a chunk boundary" => s[..ChunkAt(2)],
            "truncated inside a chunk" => s[..(ChunkAt(1) + 100)],
            "trailing garbage" => [.. s, 1, 2, 3],
            "final chunk dropped" => s[..ChunkAt(3)],
            _ => throw new ArgumentException(tamper),
        };

        await Assert.ThrowsAnyAsync<Exception>(() => OpenAsync(bad));
        var ex = await Record.ExceptionAsync(() => OpenAsync(bad));
        Assert.True(ex is InvalidDataException or ConfigurationException, $"{tamper}: {ex?.GetType().Name}: {ex?.Message}");
    }

    [Fact]
    public async Task WrongKeyFailsAndMissingKeyIdSaysWhichKeyIsNeeded()
    {
        var s = await SealAsync(Plain(100));

        var missing = await Assert.ThrowsAsync<ConfigurationException>(() => OpenAsync(s, Other));
        Assert.Contains(Key.IdHex, missing.Message, StringComparison.Ordinal);

        // Same id, different key bytes: authentication fails.
        var forged = s.ToArray();
        Other.Id.CopyTo(forged, 8);
        await Assert.ThrowsAsync<InvalidDataException>(() => OpenAsync(forged, Other));
    }

    [Fact]
    public async Task AKeyringOpensObjectsOfEveryKeyInIt()
    {
        var old = await SealAsync(Plain(500), Other);
        var current = await SealAsync(Plain(600), Key);

        Assert.Equal(Plain(500), await OpenAsync(old, Key, Other));
        Assert.Equal(Plain(600), await OpenAsync(current, Key, Other));
    }

    [Fact]
    public async Task PublishedTestVectorStillHolds()
    {
        // docs/format.md "Test vector": key 00..1f, nonce prefix a0..a7, chunk 4096, plaintext "etcd-agent".
        var sealedBytes = await SealAsync("etcd-agent"u8.ToArray(), Key, [0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7]);
        Assert.Equal(TestVector, Convert.ToHexStringLower(sealedBytes));
    }

    // Computed independently from docs/format.md with Python's cryptography AESGCM, not by this code.
    internal const string TestVector = "454147454e430101630dcd2966c4336600001000a0a1a2a3a4a5a6a79b2d8dcc7c531540b90b6a89db8aeb83a4de7925d275a004769f";

    [Fact]
    public void KeyFilesAreGeneratedPrivateAndNeverOverwritten()
    {
        var path = Path.Combine(_dir, "k");
        var key = EncryptionKey.Generate(path);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(key.Key, KeyringService.ReadKey(path).Key);
        Assert.Throws<ConfigurationException>(() => EncryptionKey.Generate(path));
        Assert.Equal(key.Key, KeyringService.ReadKey(path).Key);
    }

    [Fact]
    public void GroupReadableOrMalformedKeyFilesAreRefused()
    {
        var readable = Path.Combine(_dir, "readable");
        EncryptionKey.Generate(readable);
        File.SetUnixFileMode(readable, UnixFileMode.UserRead | UnixFileMode.GroupRead);
        var shortKey = Path.Combine(_dir, "short");
        File.WriteAllText(shortKey, Convert.ToBase64String(new byte[16]));
        File.SetUnixFileMode(shortKey, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        Assert.Contains("chmod 600", Assert.Throws<ConfigurationException>(() => KeyringService.ReadKey(readable)).Message, StringComparison.Ordinal);
        Assert.Contains("16 bytes", Assert.Throws<ConfigurationException>(() => KeyringService.ReadKey(shortKey)).Message, StringComparison.Ordinal);
    }

    private static byte[] Flip(byte[] s, int at)
    {
        var copy = s.ToArray();
        copy[at] ^= 0x01;
        return copy;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}

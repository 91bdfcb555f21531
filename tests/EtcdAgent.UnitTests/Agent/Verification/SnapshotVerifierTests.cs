using System.Buffers.Binary;
using System.Diagnostics;
using EtcdAgent.Verification;
using Xunit;
using Xunit.Abstractions;

namespace EtcdAgent.UnitTests.Agent.Verification;

public sealed class SnapshotVerifierTests(ITestOutputHelper output) : IDisposable
{
    private readonly SnapshotFixture _fx = new();

    private static Task<VerificationReport> Verify(string path, bool trailer = true) =>
        SnapshotVerifier.VerifyAsync(path, trailer, default);

    [Fact]
    public void StatusOfTheFixtureEqualsEtcdctls()
    {
        // etcdctl 3.4.23 `snapshot status -w json` of the same file (Fixtures/README.md).
        var status = SnapshotVerifier.Status(SnapshotFixture.FixturePath("valid-small.db")).Status!;

        Assert.Equal(2474808075u, status.Hash);
        Assert.Equal(73, status.Revision);
        Assert.Equal(77, status.TotalKey);
        Assert.Equal(53248, status.TotalSize);
        Assert.Equal(52, status.LiveKeys);
        Assert.Equal(77UL, status.ConsistentIndex);
        Assert.Equal(72, status.Buckets["key"]); // 72 writes: revisions 2..73
    }

    [Fact]
    public async Task TheValidFixtureVerifies()
    {
        var report = await Verify(SnapshotFixture.FixturePath("valid-small.db"));
        Assert.True(report.Valid, report.Fault);
        Assert.True(report.TrailerChecked);
        Assert.Null(report.MetaWarning);
    }

    [Fact]
    public async Task TheCommittedCorruptedFixtureIsCaughtByStructureAlone()
    {
        var report = await Verify(SnapshotFixture.FixturePath("corrupted-leaf-element.db"));

        Assert.False(report.Valid);
        Assert.StartsWith("page 3:", report.Fault, StringComparison.Ordinal);
        Assert.Contains("element 3", report.Fault, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnyChangedByteFailsTheTrailer()
    {
        var bytes = _fx.Copy();
        bytes[20_000] ^= 1;
        var report = await Verify(_fx.Write(bytes, fixTrailer: false));

        Assert.False(report.Valid);
        Assert.Contains("trailer says", report.Fault, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RawDbWithoutTrailerVerifiesWithNoTrailerAndGetsAHintWithout()
    {
        var raw = _fx.Original[..^32];
        var path = _fx.Write(raw, fixTrailer: false, name: "db");

        var with = await Verify(path, trailer: false);
        var without = await Verify(path);

        Assert.True(with.Valid, with.Fault);
        Assert.False(without.Valid);
        Assert.Contains("--no-trailer", without.Fault, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(31)]
    [InlineData(1000)]
    [InlineData(4096)]
    [InlineData(8192 + 100)]
    [InlineData(30_000)]
    [InlineData(53_248 - 1)]
    public async Task TruncatedFilesAreCorruptWithAReason(int keep)
    {
        var bytes = _fx.Original[..Math.Min(keep + 32, _fx.Original.Length - 1)];
        var report = await Verify(_fx.Write(bytes));

        Assert.False(report.Valid);
        Assert.False(string.IsNullOrWhiteSpace(report.Fault));
    }

    [Fact]
    public async Task RandomBytesAreCorrupt()
    {
        var bytes = new byte[64 * 1024 + 32];
        new Random(11).NextBytes(bytes);
        var report = await Verify(_fx.Write(bytes));

        Assert.False(report.Valid);
        Assert.Contains("meta", report.Fault, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ZeroingAnyPageInUseIsDetected()
    {
        foreach (var page in _fx.PageStartsInUse())
        {
            var bytes = _fx.Copy();
            Array.Clear(bytes, (int)page * SnapshotFixture.PageSize, SnapshotFixture.PageSize);
            var report = await Verify(_fx.Write(bytes));
            Assert.False(report.Valid, $"zeroed page {page} went unnoticed");
        }
    }

    [Fact]
    public async Task TargetedStructuralMutationsAreAllDetected()
    {
        var pages = _fx.PageStartsInUse();
        Assert.True(pages.Count >= 6, $"fixture has only {pages.Count} pages in use");
        var cases = 0;
        foreach (var page in pages)
        {
            var at = (int)page * SnapshotFixture.PageSize;
            var flags = BinaryPrimitives.ReadUInt16LittleEndian(_fx.Original.AsSpan(at + 8));
            var count = BinaryPrimitives.ReadUInt16LittleEndian(_fx.Original.AsSpan(at + 10));
            var mutations = new List<(string Name, Action<byte[]> Apply)>
            {
                ("page id + 1", b => Add64(b, at, 1)),
                ("flags branch<->leaf", b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(at + 8), (ushort)(flags ^ 0x03))),
                ("flags unknown", b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(at + 8), 0x08)),
                ("count + 1", b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(at + 10), (ushort)(count + 1))),
                ("overflow + 1", b => Add32(b, at + 12, 1)),
                ("overflow huge", b => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at + 12), uint.MaxValue)),
            };
            if (count > 0)
            {
                mutations.Add(("count - 1", b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(at + 10), (ushort)(count - 1))));
                mutations.Add(("element 0 pos + 1", b => Add32(b, at + 16 + 4, 1)));
                mutations.Add(("element 0 pos past the end", b => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at + 16 + 4), 1 << 30)));
            }

            if (count > 1)
            {
                // ksize sits at +4 in a branch element (pos, ksize, pgid) and at +8 in a leaf one (flags, pos, ksize, vsize).
                var ksize = at + 16 + (flags == 0x01 ? 4 : 8);
                mutations.Add(("element 0 key size + 1", b => Add32(b, ksize, 1)));
            }

            if (flags == 0x01)
            {
                mutations.Add(("branch child -> its own page", b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(at + 16 + 8), (ulong)page)));
                mutations.Add(("branch child -> past the end", b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(at + 16 + 8), 1_000_000)));
                mutations.Add(("branch children swapped", b =>
                {
                    var first = BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(at + 16 + 8));
                    var second = BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(at + 32 + 8));
                    BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(at + 16 + 8), second);
                    BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(at + 32 + 8), first);
                }
                ));
            }

            foreach (var (name, apply) in mutations)
            {
                var bytes = _fx.Copy();
                apply(bytes);
                var report = await Verify(_fx.Write(bytes));
                Assert.False(report.Valid, $"page {page} ({name}) went unnoticed");
                cases++;
            }
        }

        output.WriteLine($"{cases} targeted mutations over {pages.Count} pages, all detected");
    }

    [Fact]
    public async Task OneDamagedMetaFallsBackToTheOtherWithAWarningBothDamagedIsCorrupt()
    {
        var one = _fx.Copy();
        one[16] ^= 0xff; // meta 0 magic
        var both = _fx.Copy();
        both[16] ^= 0xff;
        both[SnapshotFixture.PageSize + 72] ^= 0x01; // meta 1 checksum
        var root = _fx.Copy();
        Add64(root, 32, 1); // meta 0 root, checksum now wrong too
        Add64(root, SnapshotFixture.PageSize + 32, 1);

        var oneReport = await Verify(_fx.Write(one, name: "one.db"));
        var bothReport = await Verify(_fx.Write(both, name: "both.db"));
        var rootReport = await Verify(_fx.Write(root, name: "root.db"));

        Assert.True(oneReport.Valid, oneReport.Fault);
        Assert.Contains("meta page 0", oneReport.MetaWarning, StringComparison.Ordinal);
        Assert.False(bothReport.Valid);
        Assert.Contains("meta", bothReport.Fault, StringComparison.Ordinal);
        Assert.False(rootReport.Valid);
    }

    [Fact]
    public async Task AValidBboltThatIsNotAnEtcdDatabaseIsRefusedByVerifyButHasAStatus()
    {
        var bytes = _fx.Copy();
        var name = "key"u8.ToArray();
        var replaced = 0;
        for (var i = 0; i + 3 <= bytes.Length - 32; i++)
        {
            // The bucket name 'key' in the root leaf, followed by its inline/root header: rename it 'kez' (same order).
            if (bytes.AsSpan(i, 3).SequenceEqual(name) && bytes[i + 3] != (byte)'s' && i / SnapshotFixture.PageSize == RootPage())
            {
                bytes[i + 2] = (byte)'z';
                replaced++;
            }
        }

        var path = _fx.Write(bytes);
        var report = await Verify(path);
        var status = SnapshotVerifier.Status(path);

        Assert.Equal(1, replaced);
        Assert.False(report.Valid);
        Assert.Contains("not an etcd database", report.Fault, StringComparison.Ordinal);
        Assert.True(status.Valid, status.Fault);
    }

    [Fact]
    public async Task ThousandsOfSeededMutationsEachEndQuicklyWithAVerdict()
    {
        var random = new Random(20261123);
        var pages = _fx.PageStartsInUse();
        var detected = 0;
        var slowest = TimeSpan.Zero;
        const int runs = 3000;
        for (var run = 0; run < runs; run++)
        {
            var bytes = _fx.Copy();
            var dataLength = bytes.Length - 32;
            switch (random.Next(5))
            {
                case 0:
                    bytes[random.Next(dataLength)] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    var page = pages[random.Next(pages.Count)];
                    var field = (int)page * SnapshotFixture.PageSize + random.Next(16);
                    bytes[field] = (byte)random.Next(256);
                    break;
                case 2:
                    var start = random.Next(dataLength);
                    random.NextBytes(bytes.AsSpan(start, Math.Min(random.Next(1, 64), dataLength - start)));
                    break;
                case 3:
                    var elementPage = pages[random.Next(pages.Count)];
                    var element = (int)elementPage * SnapshotFixture.PageSize + 16 + (random.Next(8) * 16) + (random.Next(4) * 4);
                    BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(element), (uint)random.Next());
                    break;
                default:
                    bytes = bytes[..(32 + random.Next(dataLength))];
                    break;
            }

            var path = _fx.Write(bytes);
            var watch = Stopwatch.StartNew();
            var report = await Verify(path);
            slowest = watch.Elapsed > slowest ? watch.Elapsed : slowest;
            Assert.True(report.Valid || !string.IsNullOrWhiteSpace(report.Fault));
            detected += report.Valid ? 0 : 1;
        }

        output.WriteLine($"{runs} mutations: {detected} reported corrupt, {runs - detected} still valid (bytes inside values); slowest {slowest.TotalMilliseconds:0.0} ms");
        Assert.True(slowest < TimeSpan.FromSeconds(2), $"slowest run took {slowest}");
        Assert.True(detected > runs / 2, $"only {detected} of {runs} mutations were reported");
    }

    private int RootPage() => (int)BinaryPrimitives.ReadUInt64LittleEndian(_fx.Original.AsSpan(32));

    private static void Add64(byte[] b, int at, ulong d) =>
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(at), BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(at)) + d);

    private static void Add32(byte[] b, int at, uint d) =>
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at), BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(at)) + d);

    [Fact]
    public async Task StatusKeepsBucketsApartWhenTheirNamesDecodeAlike()
    {
        // Found reviewing the snapshot harness (docs/fuzzing.md): "auth" EF BF BD "xy" (valid UTF-8 for U+FFFD)
        // and "auth" F0 90 80 "xy" (a cut-short sequence, decoded to U+FFFD) are different bbolt keys in the right
        // order, but both decoded to "auth\uFFFDxy" and `snapshot status` crashed with a duplicate-key
        // ArgumentException. Same length as authRoles/authUsers, so the page layout is unchanged.
        var bytes = _fx.Copy();
        Replace(bytes, "authRoles"u8, [.. "auth"u8, 0xEF, 0xBF, 0xBD, .. "xy"u8]);
        Replace(bytes, "authUsers"u8, [.. "auth"u8, 0xF0, 0x90, 0x80, .. "xy"u8]);
        var path = _fx.Write(bytes);

        var status = SnapshotVerifier.Status(path);
        var verified = await Verify(path);

        Assert.True(status.Valid, status.Fault);
        Assert.True(verified.Valid, verified.Fault);
        Assert.Equal(10, status.Status!.Buckets.Count);
        Assert.Contains("auth\uFFFDxy", status.Status.Buckets.Keys);
        Assert.Contains("hex:61757468f090807879", status.Status.Buckets.Keys);
    }

    [Theory]
    [InlineData("meta", "meta")]
    [InlineData("hex:6d", "hex:6865783a3664")]
    [InlineData("", "")]
    public void BucketNameShowsTextUnlessItCouldBeMistakenForHex(string name, string shown) =>
        Assert.Equal(shown, SnapshotContentCollector.BucketName(System.Text.Encoding.UTF8.GetBytes(name)));

    private static void Replace(byte[] bytes, ReadOnlySpan<byte> from, ReadOnlySpan<byte> to)
    {
        var replaced = 0;
        for (var i = bytes.AsSpan().IndexOf(from); i >= 0; i = bytes.AsSpan().IndexOf(from))
        {
            to.CopyTo(bytes.AsSpan(i));
            replaced++;
        }

        Assert.True(replaced > 0);
    }

    public void Dispose() => _fx.Dispose();
}

using System.Diagnostics;
using EtcdAgent.Codecs;
using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Configuration;

// Usage: CodecBench zstd|gzip|none LEVEL IN OUT      compress IN into OUT (plain FileStreams, no fsync), like the CLIs
//        CodecBench aes MIB                          seal MIB MiB of memory through the envelope into Stream.Null
// Prints the elapsed seconds of the codec work on stdout.
if (args is ["aes", var mib])
{
    var key = EncryptionKey.FromBytes(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
    var block = new byte[1024 * 1024];
    Random.Shared.NextBytes(block);
    var watch = Stopwatch.StartNew();
    await using (var sealer = new EncryptingStream(Stream.Null, key))
    {
        for (var i = 0; i < int.Parse(mib, System.Globalization.CultureInfo.InvariantCulture); i++)
        {
            sealer.Write(block);
        }

        await sealer.FinishAsync();
    }

    Console.WriteLine(watch.Elapsed.TotalSeconds.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture));
    return 0;
}

if (args is not [var codec, var levelText, var input, var output])
{
    Console.Error.WriteLine("usage: CodecBench zstd|gzip|none LEVEL IN OUT | CodecBench aes MIB");
    return 2;
}

var kind = Enum.Parse<CompressionKind>(codec, ignoreCase: true);
var stopwatch = Stopwatch.StartNew();
await using (var source = new FileStream(input, FileMode.Open, FileAccess.Read, FileShare.Read, 0))
await using (var target = new FileStream(output, FileMode.Create, FileAccess.Write, FileShare.None, 0))
{
    var compressor = Compression.Compress(target, kind, int.Parse(levelText, System.Globalization.CultureInfo.InvariantCulture));
    var buffer = new byte[1024 * 1024];
    int n;
    while ((n = source.Read(buffer)) > 0)
    {
        compressor.Write(buffer, 0, n);
    }

    await Compression.FinishAsync(compressor);
    compressor.Dispose();
}

Console.WriteLine(stopwatch.Elapsed.TotalSeconds.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture));
return 0;

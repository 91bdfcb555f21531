using EtcdAgent.Codecs;
using EtcdAgent.Codecs.Encryption;
using EtcdAgent.Configuration;
using EtcdAgent.Diagnostics;
using EtcdAgent.Storage;

namespace EtcdAgent.Snapshots;

/// <summary>
/// The backup's hand-off → encode → upload wiring, once for both of its sources (docs/architecture.md invariant 4):
/// a live snapshot (<see cref="BackupPipeline.CreateAsync"/>) and a spooled one (<see cref="BackupPipeline.UploadSpooledAsync"/>).
/// What the caller writes to <see cref="Writer"/> crosses a <see cref="BufferHandoff"/> (bounded memory, invariant 2)
/// to an encoder on its own thread, which compresses and encrypts it (<see cref="PayloadEncoder"/>) into the store's
/// upload stream, hashing what is stored. The caller ends the stream with <see cref="CompleteAsync"/> or
/// <see cref="StopAsync"/>; whether the upload completes stays the caller's (invariant 1).
/// </summary>
internal sealed class EncodingUpload
{
    private readonly BufferHandoff _handoff = new();
    private readonly Task<Result> _encode;

    private EncodingUpload(Stream upload, CompressionKind compression, int level, EncryptionKey? key, Action? onProgress, CancellationToken ct)
    {
        // Its own thread: the download (or the spool read) and the encoder overlap on two cores.
        _encode = Task.Run(() => EncodeAsync(upload, compression, level, key, onProgress, ct), CancellationToken.None);
    }

    /// <summary>Starts the encoder writing into <paramref name="upload"/>; <paramref name="onProgress"/> runs on it for every MiB.</summary>
    public static EncodingUpload Start(Stream upload, CompressionKind compression, int level, EncryptionKey? key, Action? onProgress, CancellationToken ct) =>
        new(upload, compression, level, key, onProgress, ct);

    /// <summary>Where the plain snapshot goes.</summary>
    public Stream Writer => _handoff.Writer;

    /// <summary>Why the encoder stopped, once it has stopped with a failure; null otherwise.</summary>
    public Exception? EncoderFailure => _encode.Exception?.InnerException;

    /// <summary>Ends the stream: the encoder finishes every layer.</summary>
    public Task CompleteAsync(CancellationToken cancellationToken) => _handoff.CompleteAsync(cancellationToken);

    /// <summary>Ends the stream with <paramref name="reason"/> and waits for the encoder to stop; its own failure stays in <see cref="EncoderFailure"/>.</summary>
    public async Task StopAsync(Exception reason)
    {
        _handoff.Fail(reason);
        await Task.WhenAny(_encode).ConfigureAwait(false);
    }

    /// <summary>What the encoder wrote, once the stream was completed; its failure otherwise.</summary>
    public Task<Result> ResultAsync() => _encode;

    /// <summary>Compress → encrypt → the store's upload stream; the stream's failures are the upload's, the rest the encoder's.</summary>
    private async Task<Result> EncodeAsync(Stream upload, CompressionKind compression, int level, EncryptionKey? key, Action? onProgress, CancellationToken ct)
    {
        try
        {
            return await EncodeIntoAsync(upload, compression, level, key, onProgress, ct).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            ex.At(FailureStage.Encode);
            throw;
        }
    }

    private async Task<Result> EncodeIntoAsync(Stream upload, CompressionKind compression, int level, EncryptionKey? key, Action? onProgress, CancellationToken ct)
    {
        var stored = HashingStream.ForWriting(new StagedWriteStream(upload, FailureStage.Upload));
        await using var storedScope = stored.ConfigureAwait(false);
        var encoder = new PayloadEncoder(stored, compression, level, key);
        await using var encoderScope = encoder.ConfigureAwait(false);
        var memory = new GarbageCap();
        await _handoff.DrainAsync(async (chunk, token) =>
        {
            memory.Tick();
            onProgress?.Invoke();
            await encoder.WriteAsync(chunk, token).ConfigureAwait(false);
        }, ct).ConfigureAwait(false);
        await encoder.FinishAsync(ct).ConfigureAwait(false);

        // Start sending the last part while the structure check runs.
        if (upload is IEarlyFinish early)
        {
            await FailureStages.RunAsync(FailureStage.Upload, () => early.SendFinalPartAsync(ct)).ConfigureAwait(false);
        }

        return new Result(encoder.RawBytes, stored.Sha256Hex(), stored.Count);
    }

    /// <summary>The plain bytes encoded, and the stored object's sha256 and size.</summary>
    public sealed record Result(long RawBytes, string StoredSha256, long StoredBytes);
}

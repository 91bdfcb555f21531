using System.Runtime.InteropServices;

namespace EtcdAgent.Codecs.Zstd;

/// <summary>
/// The system's libzstd (libzstd.so.1, on every Debian machine) through LibraryImport: no zstd package is served
/// to this project (ZstdSharp.Port is not), and libzstd is the reference implementation anyway. Names and values
/// from zstd.h (stable API since 1.4).
/// </summary>
internal static unsafe partial class ZstdNative
{
    public const string Library = "libzstd.so.1";

    public const int CompressionLevel = 100; // ZSTD_c_compressionLevel
    public const int ChecksumFlag = 201;     // ZSTD_c_checksumFlag
    public const int NbWorkers = 400;        // ZSTD_c_nbWorkers

    public const int EndContinue = 0;        // ZSTD_e_continue
    public const int EndFlush = 1;           // ZSTD_e_flush
    public const int EndFrame = 2;           // ZSTD_e_end

    [StructLayout(LayoutKind.Sequential)]
    public struct Buffer
    {
        public void* Data;
        public nuint Size;
        public nuint Pos;
    }

    [LibraryImport(Library, EntryPoint = "ZSTD_createCCtx")]
    public static partial nint CreateCCtx();

    [LibraryImport(Library, EntryPoint = "ZSTD_freeCCtx")]
    public static partial nuint FreeCCtx(nint cctx);

    [LibraryImport(Library, EntryPoint = "ZSTD_CCtx_setParameter")]
    public static partial nuint CCtxSetParameter(nint cctx, int parameter, int value);

    [LibraryImport(Library, EntryPoint = "ZSTD_compressStream2")]
    public static partial nuint CompressStream2(nint cctx, Buffer* output, Buffer* input, int endOp);

    [LibraryImport(Library, EntryPoint = "ZSTD_createDCtx")]
    public static partial nint CreateDCtx();

    [LibraryImport(Library, EntryPoint = "ZSTD_freeDCtx")]
    public static partial nuint FreeDCtx(nint dctx);

    [LibraryImport(Library, EntryPoint = "ZSTD_decompressStream")]
    public static partial nuint DecompressStream(nint dctx, Buffer* output, Buffer* input);

    [LibraryImport(Library, EntryPoint = "ZSTD_isError")]
    public static partial uint IsError(nuint code);

    [LibraryImport(Library, EntryPoint = "ZSTD_getErrorName")]
    public static partial nint GetErrorName(nuint code);

    [LibraryImport(Library, EntryPoint = "ZSTD_versionString")]
    public static partial nint VersionString();

    /// <summary>Throws for a zstd error code; returns the code otherwise (a size hint).</summary>
    public static nuint Check(nuint code, string operation) =>
        IsError(code) != 0
            ? throw new InvalidDataException($"zstd {operation} failed: {Marshal.PtrToStringUTF8(GetErrorName(code))}")
            : code;

    /// <summary>libzstd's version, or a clear error when it is missing.</summary>
    public static string Version()
    {
        try
        {
            return Marshal.PtrToStringUTF8(VersionString()) ?? "unknown";
        }
        catch (DllNotFoundException ex)
        {
            throw new InvalidOperationException(
                $"{Library} is not installed; zstd compression needs it: apt-get install libzstd1 (or choose compression gzip or none)", ex);
        }
    }
}

/// <summary>A ZSTD_CCtx or ZSTD_DCtx, freed exactly once even when a stream is abandoned mid-way.</summary>
internal sealed class ZstdContextHandle : SafeHandle
{
    private readonly bool _compress;

    private ZstdContextHandle(nint handle, bool compress)
        : base(nint.Zero, ownsHandle: true)
    {
        SetHandle(handle);
        _compress = compress;
    }

    public override bool IsInvalid => handle == nint.Zero;

    public static ZstdContextHandle Compressor()
    {
        ZstdNative.Version(); // turns a missing library into an actionable error
        var h = ZstdNative.CreateCCtx();
        return h == 0 ? throw new InvalidOperationException("ZSTD_createCCtx failed (out of memory)") : new ZstdContextHandle(h, compress: true);
    }

    public static ZstdContextHandle Decompressor()
    {
        ZstdNative.Version();
        var h = ZstdNative.CreateDCtx();
        return h == 0 ? throw new InvalidOperationException("ZSTD_createDCtx failed (out of memory)") : new ZstdContextHandle(h, compress: false);
    }

    protected override bool ReleaseHandle()
    {
        _ = _compress ? ZstdNative.FreeCCtx(handle) : ZstdNative.FreeDCtx(handle);
        return true;
    }
}

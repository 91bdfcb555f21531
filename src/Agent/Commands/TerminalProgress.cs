using System.Globalization;
using EtcdAgent.Output;

namespace EtcdAgent.Commands;

/// <summary>A progress line on stderr when it is a terminal (never in logs or pipes); at most every 500 ms.</summary>
internal sealed class TerminalProgress : IProgress<long>, IDisposable
{
    private readonly CliContext _context;
    private readonly long _total;
    private long _last;

    private TerminalProgress(CliContext context, long total)
    {
        _context = context;
        _total = total;
    }

    public static TerminalProgress? Create(CliContext context, long total) =>
        ReferenceEquals(context.Error, Console.Error) && !Console.IsErrorRedirected ? new TerminalProgress(context, total) : null;

    public void Report(long value)
    {
        var now = _context.Time.GetTimestamp();
        if (_context.Time.GetElapsedTime(_last, now) < TimeSpan.FromMilliseconds(500))
        {
            return;
        }

        _last = now;
        var percent = _total == 0 ? 100 : 100.0 * value / _total;
        _context.Error.Write($"\r  {ByteSize.Format(value)} of {ByteSize.Format(_total)} ({percent.ToString("0", CultureInfo.InvariantCulture)}%)   ");
    }

    public void Dispose() => _context.Error.Write("\r" + new string(' ', 60) + "\r");
}

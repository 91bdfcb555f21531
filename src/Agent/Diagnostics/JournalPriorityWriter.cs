using System.Text;

namespace EtcdAgent.Diagnostics;

/// <summary>
/// The CLI's stderr under journald: journald files every line without a "&lt;N&gt;" prefix at info, so "Error: …" and
/// the indented lines that explain it (a bad config's field list) would never show in `journalctl -p err`. Each line
/// gets the priority its first word says: "Error:" err (3), "Warning:" warning (4), an indented line its heading's,
/// anything else none (info). The logger's own lines do not pass through here (ConsoleLogging's systemd format).
/// </summary>
internal sealed class JournalPriorityWriter(TextWriter inner) : TextWriter
{
    private readonly StringBuilder _line = new();
    private string _heading = string.Empty;

    public override Encoding Encoding => inner.Encoding;

    /// <summary><paramref name="stderr"/> itself, unless it is the journal's stream (<see cref="JournalStream"/>).</summary>
    public static TextWriter For(TextWriter stderr, Func<string, string?> environment) =>
        JournalStream.IsStderr(environment) ? new JournalPriorityWriter(stderr) : stderr;

    public override void Write(char value)
    {
        if (value == '\n')
        {
            EmitLine();
        }
        else
        {
            _line.Append(value);
        }
    }

    public override void Write(string? value)
    {
        foreach (var c in value ?? string.Empty)
        {
            Write(c);
        }
    }

    public override void WriteLine(string? value)
    {
        Write(value);
        EmitLine();
    }

    public override void Flush()
    {
        if (_line.Length > 0)
        {
            EmitLine();
        }

        inner.Flush();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Flush();
        }

        base.Dispose(disposing);
    }

    private void EmitLine()
    {
        var line = _line.ToString().TrimEnd('\r');
        _line.Clear();
        _heading = line switch
        {
            _ when line.StartsWith("Error", StringComparison.Ordinal) => "<3>",
            _ when line.StartsWith("Warning", StringComparison.Ordinal) => "<4>",
            [' ' or '\t', ..] => _heading,
            _ => string.Empty,
        };
        inner.WriteLine(_heading + line);
        inner.Flush();
    }
}

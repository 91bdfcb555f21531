namespace EtcdAgent.Output;

/// <summary>Boxed tables in the style etcdctl prints for -w table, so operators read both the same way.</summary>
internal static class TableWriter
{
    public static void Write(TextWriter output, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var data = rows.ToList();
        if (data.Count == 0)
        {
            // Nothing answered: the errors on stderr say why; an empty box would only add noise.
            return;
        }

        var widths = headers.Select((h, i) => Math.Max(h.Length, data.Count == 0 ? 0 : data.Max(r => r[i].Length))).ToArray();
        var border = "+" + string.Join("+", widths.Select(w => new string('-', w + 2))) + "+";

        output.WriteLine(border);
        output.WriteLine(Line(headers, widths, center: true));
        output.WriteLine(border);
        foreach (var row in data)
        {
            output.WriteLine(Line(row, widths, center: false));
        }

        output.WriteLine(border);
    }

    private static string Line(IReadOnlyList<string> cells, int[] widths, bool center) =>
        "|" + string.Join("|", cells.Select((c, i) => " " + (center ? Center(c, widths[i]) : c.PadLeft(widths[i])) + " ")) + "|";

    private static string Center(string text, int width)
    {
        var left = (width - text.Length) / 2;
        return text.PadLeft(text.Length + left).PadRight(width);
    }
}

using System.Globalization;

namespace EtcdAgent.Output;

/// <summary>
/// Values from files someone else may have written (a config, a manifest) are echoed in error messages so the
/// operator can find them, but bounded: a 5 MB value must not flood a terminal or the journal.
/// </summary>
internal static class Echo
{
    public const int MaxLength = 80;

    /// <summary>The value, cut to <see cref="MaxLength"/> characters with its full length noted; "(none)" for null.</summary>
    public static string Bounded(string? value) =>
        value is null ? "(none)"
        : value.Length <= MaxLength ? value
        : string.Concat(value.AsSpan(0, MaxLength), $"... ({value.Length.ToString(CultureInfo.InvariantCulture)} characters)");

    /// <summary>The bounded value in double quotes.</summary>
    public static string Quoted(string? value) => $"\"{Bounded(value)}\"";
}

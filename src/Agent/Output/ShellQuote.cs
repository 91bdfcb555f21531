namespace EtcdAgent.Output;

/// <summary>
/// Paths inside commands we suggest ("run: chmod 600 PATH") are quoted for a POSIX shell, so an operator who pastes
/// the command on a bad day runs exactly it, whatever spaces or quotes the path holds.
/// </summary>
internal static class ShellQuote
{
    /// <summary>The argument as is when it needs no quoting, else in single quotes ('\'' for a quote inside).</summary>
    public static string Quote(string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        return argument.Length > 0 && argument.All(c => char.IsAsciiLetterOrDigit(c) || "@%+=:,./_-".Contains(c, StringComparison.Ordinal))
            ? argument
            : "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }
}

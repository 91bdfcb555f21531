using System.Text;

namespace EtcdAgent.Restore.Topology;

/// <summary>
/// etcd's settings as one map, whatever wrote them: command-line flags (<c>--data-dir=/x</c> or <c>--data-dir /x</c>)
/// or environment variables (<c>ETCD_DATA_DIR=/x</c>). etcd itself lets flags win over the environment, and so does
/// <see cref="Merge"/>. Keys are flag names without dashes: <c>data-dir</c>.
/// </summary>
internal sealed class EtcdFlags
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public string? this[string name] => _values.TryGetValue(name, out var value) && value.Length > 0 ? value : null;

    public IReadOnlyDictionary<string, string> Values => _values;

    /// <summary>Reads an argv (the etcd binary first, or not); unknown tokens are ignored.</summary>
    public static EtcdFlags FromArguments(IEnumerable<string> arguments)
    {
        var flags = new EtcdFlags();
        var list = arguments.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            var token = list[i];
            if (!token.StartsWith('-'))
            {
                continue;
            }

            var name = token.TrimStart('-');
            var equals = name.IndexOf('=', StringComparison.Ordinal);
            if (equals >= 0)
            {
                flags._values[name[..equals]] = name[(equals + 1)..];
            }
            else if (i + 1 < list.Count && !list[i + 1].StartsWith('-'))
            {
                flags._values[name] = list[++i];
            }
            else
            {
                flags._values[name] = "true";
            }
        }

        return flags;
    }

    /// <summary>ETCD_* variables as flags (ETCD_INITIAL_CLUSTER -> initial-cluster); others are ignored.</summary>
    public static EtcdFlags FromEnvironment(IEnumerable<KeyValuePair<string, string>> variables)
    {
        var flags = new EtcdFlags();
        foreach (var (key, value) in variables)
        {
            if (key.StartsWith("ETCD_", StringComparison.Ordinal) && key.Length > 5)
            {
                flags._values[key[5..].ToLowerInvariant().Replace('_', '-')] = value;
            }
        }

        return flags;
    }

    /// <summary>This map with <paramref name="over"/>'s values winning.</summary>
    public EtcdFlags Merge(EtcdFlags over)
    {
        var merged = new EtcdFlags();
        foreach (var (k, v) in _values)
        {
            merged._values[k] = v;
        }

        foreach (var (k, v) in over._values)
        {
            merged._values[k] = v;
        }

        return merged;
    }

    /// <summary>
    /// Splits a command line the way systemd's ExecStart and a shell's simple words do: whitespace separates,
    /// single and double quotes group, backslash escapes. Enough for unit files; not a shell.
    /// </summary>
    public static List<string> SplitWords(string line)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        char quote = '\0';
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
                else if (c == '\\' && quote == '"' && i + 1 < line.Length)
                {
                    current.Append(line[++i]);
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
            }
            else if (c == '\\' && i + 1 < line.Length)
            {
                current.Append(line[++i]);
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(current.ToString());
                    current.Clear();
                    inWord = false;
                }
            }
            else
            {
                current.Append(c);
                inWord = true;
            }
        }

        if (inWord)
        {
            words.Add(current.ToString());
        }

        return words;
    }
}

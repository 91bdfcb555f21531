using System.Text;
using EtcdAgent.Configuration;

namespace EtcdAgent.Restore.Topology;

/// <summary>
/// etcd's settings from a systemd unit: Environment= and EnvironmentFile= (Debian's unit sets ETCD_NAME=%H and
/// ETCD_DATA_DIR and reads /etc/default/etcd), drop-ins, and the flags in ExecStart after $VAR expansion. Only what
/// a restore needs; specifiers beyond %H %h %p %n %N %i %% are left as they are.
/// </summary>
internal static class SystemdUnit
{
    public const string DefaultUnit = "etcd.service";

    private static readonly string[] SearchPath = ["/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"];

    /// <summary>The unit file for <paramref name="unit"/>, or null when no search directory has it.</summary>
    public static string? Find(string unit) =>
        SearchPath.Select(dir => Path.Combine(dir, unit)).FirstOrDefault(File.Exists);

    public static EtcdFlags ReadFlags(string unitFile, string hostName)
    {
        var unitName = Path.GetFileName(unitFile);
        var prefix = unitName.Split('@', '.')[0];
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        List<string>? execStart = null;
        var files = new List<string> { unitFile };
        var dropIns = unitFile + ".d";
        if (Directory.Exists(dropIns))
        {
            files.AddRange(Directory.GetFiles(dropIns, "*.conf").Order(StringComparer.Ordinal));
        }

        foreach (var file in files)
        {
            var section = string.Empty;
            foreach (var raw in JoinContinuations(File.ReadAllLines(file)))
            {
                var line = raw.Trim();
                if (line.Length == 0 || line[0] is '#' or ';')
                {
                    continue;
                }

                if (line[0] == '[')
                {
                    section = line;
                    continue;
                }

                var equals = line.IndexOf('=', StringComparison.Ordinal);
                if (section != "[Service]" || equals < 0)
                {
                    continue;
                }

                var key = line[..equals].Trim();
                var value = Specifiers(line[(equals + 1)..].Trim(), hostName, unitName, prefix);
                switch (key)
                {
                    case "Environment":
                        foreach (var assignment in EtcdFlags.SplitWords(value))
                        {
                            Assign(env, assignment);
                        }

                        break;
                    case "EnvironmentFile":
                        var optional = value.StartsWith('-');
                        var path = value.TrimStart('-');
                        if (File.Exists(path))
                        {
                            foreach (var envLine in File.ReadAllLines(path))
                            {
                                var trimmed = envLine.Trim();
                                if (trimmed.Length > 0 && trimmed[0] != '#')
                                {
                                    Assign(env, string.Join(' ', EtcdFlags.SplitWords(trimmed)));
                                }
                            }
                        }
                        else if (!optional)
                        {
                            throw new ConfigurationException($"{file}: EnvironmentFile {path} does not exist");
                        }

                        break;
                    case "ExecStart":
                        // An empty ExecStart= in a drop-in resets the list; the last one wins for a simple service.
                        execStart = value.Length == 0 ? null : EtcdFlags.SplitWords(value.TrimStart('-', '@', '+', '!', ':'));
                        break;
                }
            }
        }

        var arguments = (execStart ?? []).SelectMany(word => Expand(word, env)).ToList();
        return EtcdFlags.FromEnvironment(env).Merge(EtcdFlags.FromArguments(arguments));
    }

    private static IEnumerable<string> JoinContinuations(IEnumerable<string> lines)
    {
        var pending = new StringBuilder();
        foreach (var line in lines)
        {
            if (line.EndsWith('\\'))
            {
                pending.Append(line[..^1]).Append(' ');
                continue;
            }

            pending.Append(line);
            yield return pending.ToString();
            pending.Clear();
        }

        if (pending.Length > 0)
        {
            yield return pending.ToString();
        }
    }

    private static void Assign(Dictionary<string, string> env, string assignment)
    {
        var equals = assignment.IndexOf('=', StringComparison.Ordinal);
        if (equals > 0)
        {
            env[assignment[..equals]] = assignment[(equals + 1)..];
        }
    }

    /// <summary>systemd's rules: a word that is exactly $VAR splits into words; ${VAR} inside a word stays one word.</summary>
    private static List<string> Expand(string word, Dictionary<string, string> env)
    {
        if (word.Length > 1 && word[0] == '$' && word[1] != '{')
        {
            return env.TryGetValue(word[1..], out var value) ? EtcdFlags.SplitWords(value) : [];
        }

        var result = new StringBuilder();
        for (var i = 0; i < word.Length; i++)
        {
            var close = word[i] == '$' && i + 1 < word.Length && word[i + 1] == '{' ? word.IndexOf('}', i) : -1;
            if (close > 0)
            {
                result.Append(env.GetValueOrDefault(word[(i + 2)..close], string.Empty));
                i = close;
            }
            else
            {
                result.Append(word[i]);
            }
        }

        return [result.ToString()];
    }

    private static string Specifiers(string value, string hostName, string unitName, string prefix)
    {
        var result = new StringBuilder();
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] != '%' || i + 1 >= value.Length)
            {
                result.Append(value[i]);
                continue;
            }

            var replacement = value[i + 1] switch
            {
                'H' or 'l' => hostName,
                'p' => prefix,
                'n' => unitName,
                'N' => Path.GetFileNameWithoutExtension(unitName),
                'i' => string.Empty,
                '%' => "%",
                _ => null,
            };
            if (replacement is null)
            {
                result.Append(value[i]);
                continue;
            }

            result.Append(replacement);
            i++;
        }

        return result.ToString();
    }
}

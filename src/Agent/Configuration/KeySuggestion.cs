namespace EtcdAgent.Configuration;

/// <summary>
/// Picks the known key an unknown one was probably meant to be, so a typo's error names the fix
/// (<c>schedule.backpu</c> → "did you mean schedule.backup?").
/// </summary>
internal static class KeySuggestion
{
    /// <summary>Typos further than this many edits away are more likely a different setting than a slip.</summary>
    public const int MaxDistance = 2;

    /// <summary>
    /// The closest of <paramref name="known"/> to <paramref name="name"/>: a key differing only in case first, then the
    /// fewest edits (a swap of two neighbours counts as one), ties in the order given; null when none is close.
    /// </summary>
    public static string? Closest(string name, IEnumerable<string> known)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in known)
        {
            if (string.Equals(candidate, name, StringComparison.OrdinalIgnoreCase))
            {
                return candidate;
            }

            // The distance is at least the difference in length: skipping those also bounds the work when the
            // unknown key is a huge value pasted by mistake (keys are echoed bounded, but compared here whole).
            if (Math.Abs(candidate.Length - name.Length) > MaxDistance)
            {
                continue;
            }

            var distance = Distance(name.ToLowerInvariant(), candidate.ToLowerInvariant());

            // Half the typed name or more changed is not a typo of it: "x" is 2 edits from "s3" too.
            if (distance <= MaxDistance && distance * 2 < name.Length && distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        return best;
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps.</summary>
    internal static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1][];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i] = new int[b.Length + 1];
            d[i][0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0][j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i][j] = Math.Min(Math.Min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i][j] = Math.Min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }

        return d[a.Length][b.Length];
    }
}

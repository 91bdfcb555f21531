namespace EtcdAgent.Configuration;

/// <summary>
/// etcd client URLs as etcdctl takes them ("https://10.0.0.1:2379", or "10.0.0.1:2379" with the scheme from the TLS
/// settings), for --endpoints, the environment and etcd.endpoints in the config alike.
/// </summary>
internal static class EtcdEndpoints
{
    public static List<Uri> Parse(string text, bool defaultTls)
    {
        var result = new List<Uri>();
        foreach (var raw in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            result.Add(ParseOne(raw, defaultTls) ?? throw new ConfigurationException(Problem(raw)));
        }

        return result.Count == 0
            ? throw new ConfigurationException("--endpoints is empty; give at least one client URL, e.g. http://127.0.0.1:2379")
            : result;
    }

    /// <summary>The URL, or null when <paramref name="raw"/> is not an http(s) client URL with an explicit port.</summary>
    public static Uri? ParseOne(string raw, bool defaultTls)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var withScheme = raw.Contains("://", StringComparison.Ordinal) ? raw : (defaultTls ? "https://" : "http://") + raw;
        return Uri.TryCreate(withScheme, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            && uri.AbsolutePath == "/" && HasExplicitPort(withScheme)
            ? uri
            : null;
    }

    public static string Problem(string raw) =>
        $"endpoint '{raw}' is not a client URL; expected http://host:port or https://host:port, e.g. https://10.0.0.1:2379";

    /// <summary>etcd has no default port worth guessing: "https://etcd-1" must not silently mean port 443.</summary>
    private static bool HasExplicitPort(string url)
    {
        var authority = url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..].Split('/')[0];
        var afterHost = authority.StartsWith('[') ? authority[(authority.IndexOf(']', StringComparison.Ordinal) + 1)..] : authority;
        var colon = afterHost.LastIndexOf(':');
        return colon >= 0 && colon + 1 < afterHost.Length && afterHost[(colon + 1)..].All(char.IsAsciiDigit);
    }
}

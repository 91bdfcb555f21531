using EtcdAgent.Configuration.Settings;

namespace EtcdAgent.Configuration.Validation;

/// <summary>bundle: whether control-plane files go beside each backup, and which.</summary>
internal static class BundleValidator
{
    public static BundleOptions Validate(BundleSettings s, FieldCheck f)
    {
        var include = s.Include.Select(p => p.Trim()).Where(p => p.Length > 0).ToList();
        foreach (var pattern in include)
        {
            if (BundlePattern.Problem(pattern) is { } problem)
            {
                f.Invalid("include", $"{Output.Echo.Quoted(pattern)} {problem}");
            }
        }

        var root = FieldCheck.Text(s.Root) ?? BundleOptions.DefaultRoot;
        if (!Path.IsPathFullyQualified(root))
        {
            f.Invalid("root", $"{Output.Echo.Quoted(root)} must be an absolute directory");
        }

        // Without an encryption key the bundle is refused at each backup (the snapshot is still stored), not here: a
        // config error would stop the daemon, and with it the snapshots. `config check` says so up front.
        var enabled = f.Bool("enabled", s.Enabled) ?? BundleOptions.DefaultEnabled;

        return new BundleOptions
        {
            Enabled = enabled,
            Root = root,
            Include = include.Count == 0 ? BundleOptions.KubeadmInclude : include,
        };
    }
}

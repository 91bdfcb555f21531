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

        // The archive is built and tested, but backups do not carry it yet: a setting that silently did nothing would let
        // an operator believe the PKI is saved.
        var enabled = f.Bool("enabled", s.Enabled) ?? BundleOptions.DefaultEnabled;
        if (enabled)
        {
            f.Invalid("enabled", "true is not available yet: backups do not carry the recovery bundle in this version (issue 23); remove it, and copy /etc/kubernetes/pki and the encryption provider config off the node yourself");
        }

        return new BundleOptions
        {
            Enabled = enabled,
            Root = root,
            Include = include.Count == 0 ? BundleOptions.KubeadmInclude : include,
        };
    }
}

using EtcdAgent.Configuration.Settings;

namespace EtcdAgent.Configuration.Validation;

/// <summary>etcd: how to reach the member; unset fields fall back to flags, environment and kubeadm detection later.</summary>
internal static class EtcdValidator
{
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromHours(24);

    public static EtcdOptions Validate(EtcdSettings s, FieldCheck f)
    {
        var options = new EtcdOptions
        {
            Endpoints = s.Endpoints,
            CaCert = FieldCheck.Text(s.CaCert),
            Cert = FieldCheck.Text(s.Cert),
            Key = FieldCheck.Text(s.Key),
            User = FieldCheck.Text(s.User),
            PasswordFile = FieldCheck.Text(s.PasswordFile),
            DialTimeout = f.Duration("dialTimeout", s.DialTimeout, TimeSpan.FromMilliseconds(1), MaxTimeout),
            CommandTimeout = f.Duration("commandTimeout", s.CommandTimeout, TimeSpan.FromMilliseconds(1), MaxTimeout),
        };
        // Checked here too (the connection parses them again, with flags and environment), so that a bad URL is
        // reported with the file's other problems and before the daemon starts, not at its first tick.
        var tls = options.CaCert is not null || options.Cert is not null;
        foreach (var bad in s.Endpoints.SelectMany(e => e.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                     .Where(e => EtcdEndpoints.ParseOne(e, tls) is null))
        {
            f.Invalid("endpoints", EtcdEndpoints.Problem(bad));
        }

        if (options.User is not null && options.PasswordFile is null)
        {
            f.Invalid("user", "needs passwordFile (a file, mode 0600, holding the password on its first line)");
        }

        return options;
    }
}

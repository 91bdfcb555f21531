using System.CommandLine;
using EtcdAgent.Configuration;
using EtcdAgent.Etcd;

namespace EtcdAgent.Commands;

/// <summary>
/// etcdctl-style connection flags shared by every verb that talks to etcd. Each flag falls back to
/// ETCD_AGENT_* and then ETCDCTL_* environment variables, so operators can reuse their etcdctl setup.
/// Passwords come from a file or the environment only: argv is visible to every user through ps.
/// </summary>
internal sealed class ConnectionFlags
{
    public Option<string?> Endpoints { get; } = new("--endpoints")
    {
        Description = "Comma-separated etcd client URLs (default: kubeadm's https://127.0.0.1:2379 when its PKI exists, else http://127.0.0.1:2379)",
        Recursive = true,
    };

    public Option<string?> CaCert { get; } = new("--cacert") { Description = "CA bundle that signed etcd's server certificate (PEM)", Recursive = true };

    public Option<string?> Cert { get; } = new("--cert") { Description = "Client certificate (PEM)", Recursive = true };

    public Option<string?> Key { get; } = new("--key") { Description = "Client private key (PEM, mode 0600)", Recursive = true };

    public Option<string?> User { get; } = new("--user") { Description = "etcd user name (auth-enabled clusters)", Recursive = true };

    public Option<string?> PasswordFile { get; } = new("--password-file")
    {
        Description = "File whose first line is the password (mode 0600); or set ETCD_AGENT_PASSWORD",
        Recursive = true,
    };

    public Option<string> DialTimeout { get; } = new("--dial-timeout")
    {
        Description = "Connect timeout per endpoint",
        DefaultValueFactory = _ => "2s",
        Recursive = true,
    };

    public Option<string> CommandTimeout { get; } = new("--command-timeout")
    {
        Description = "Timeout of each request (not of snapshot streams)",
        DefaultValueFactory = _ => "5s",
        Recursive = true,
    };

    public IEnumerable<Option> All => [Endpoints, CaCert, Cert, Key, User, PasswordFile, DialTimeout, CommandTimeout];

    /// <summary>
    /// Combines flags, environment, the config file's etcd section and kubeadm detection, in that order of
    /// precedence; throws ConfigurationException on bad input.
    /// </summary>
    public EtcdConnectionSettings Resolve(ParseResult parse, CliContext context, EtcdOptions? config = null)
    {
        string? Pick(Option<string?> option, string name, string? fromConfig) =>
            parse.GetValue(option) ?? context.Environment("ETCD_AGENT_" + name) ?? context.Environment("ETCDCTL_" + name) ?? fromConfig;

        var endpointsText = parse.GetValue(Endpoints);
        var source = "--endpoints";
        if (endpointsText is null && (endpointsText = context.Environment("ETCD_AGENT_ENDPOINTS")) is not null)
        {
            source = "ETCD_AGENT_ENDPOINTS";
        }
        else if (endpointsText is null && (endpointsText = context.Environment("ETCDCTL_ENDPOINTS")) is not null)
        {
            source = "ETCDCTL_ENDPOINTS";
        }
        else if (endpointsText is null && config is { Endpoints.Count: > 0 })
        {
            endpointsText = string.Join(',', config.Endpoints);
            source = "the config file";
        }

        var caFile = Pick(CaCert, "CACERT", config?.CaCert);
        var certFile = Pick(Cert, "CERT", config?.Cert);
        var keyFile = Pick(Key, "KEY", config?.Key);
        List<Uri> endpoints;
        if (endpointsText is not null)
        {
            endpoints = EtcdEndpoints.Parse(endpointsText, defaultTls: caFile is not null || certFile is not null);
        }
        else if (caFile is null && certFile is null && keyFile is null
                 && KubeadmDetection.Detect(context.KubeadmPkiDir) is { } kubeadm)
        {
            source = $"kubeadm ({context.KubeadmPkiDir})";
            endpoints = [KubeadmDetection.Endpoint];
            (caFile, certFile, keyFile) = kubeadm;
        }
        else
        {
            source = "default";
            endpoints = [new Uri(caFile is not null || certFile is not null ? "https://127.0.0.1:2379" : "http://127.0.0.1:2379")];
        }

        var user = Pick(User, "USER", config?.User);
        if (user is not null && user.Contains(':', StringComparison.Ordinal))
        {
            throw new ConfigurationException(
                "--user must be a user name only: a password on the command line is visible to every user of this " +
                "machine (ps). Put it in a file (mode 0600) and pass --password-file, or set ETCD_AGENT_PASSWORD.");
        }

        string? password = null;
        if (parse.GetValue(PasswordFile) is { } passwordFile)
        {
            password = SecretFiles.ReadPassword(passwordFile);
        }
        else if (context.Environment("ETCD_AGENT_PASSWORD") is { } fromEnv)
        {
            password = fromEnv;
        }
        else if (config?.PasswordFile is { } configPasswordFile)
        {
            password = SecretFiles.ReadPassword(configPasswordFile);
        }

        if (user is not null && password is null)
        {
            throw new ConfigurationException(
                $"--user {user} needs a password: pass --password-file FILE (mode 0600) or set ETCD_AGENT_PASSWORD");
        }

        if (user is null && password is not null)
        {
            throw new ConfigurationException("a password was given but no --user; pass --user NAME");
        }

        return new EtcdConnectionSettings
        {
            Endpoints = endpoints,
            CaFile = caFile,
            CertFile = certFile,
            KeyFile = keyFile,
            User = user,
            Password = password,
            DialTimeout = parse.GetResult(DialTimeout) is { Implicit: false } || config?.DialTimeout is null
                ? ParseDuration(parse.GetValue(DialTimeout), "--dial-timeout")
                : config.DialTimeout.Value,
            CommandTimeout = parse.GetResult(CommandTimeout) is { Implicit: false } || config?.CommandTimeout is null
                ? ParseDuration(parse.GetValue(CommandTimeout), "--command-timeout")
                : config.CommandTimeout.Value,
            Source = source,
        };
    }

    private static TimeSpan ParseDuration(string? text, string flag) =>
        GoDuration.TryParse(text, out var value) && value > TimeSpan.Zero && value <= MaxTimeout
            ? value
            : throw new ConfigurationException($"{flag} '{text}' is not a duration between 1ns and 24h; use e.g. 500ms, 2s, 1m");

    private static readonly TimeSpan MaxTimeout = TimeSpan.FromHours(24);
}

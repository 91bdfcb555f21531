using EtcdAgent.Configuration;
using EtcdAgent.Etcd;
using EtcdAgent.Failures;
using EtcdAgent.Protocol.Etcd;
using Grpc.Core;

namespace EtcdAgent.Doctor;

/// <summary>
/// An etcd failure as a doctor line: the message every verb prints (<see cref="FailureMessages"/>) and a fix phrased in
/// the configuration's terms, told apart by cause: authentication, TLS, timeout, nothing listening.
/// </summary>
internal static class EtcdFailureFix
{
    public static CheckResult Explain(Exception ex, EtcdConnectionSettings settings)
    {
        var (code, message) = FailureMessages.Describe(ex, settings);
        var endpoints = string.Join(",", settings.Endpoints.Select(e => e.Display()));
        var fix = ex switch
        {
            _ when code == ExitCodes.AuthFailed && ex is EtcdRpcException rpc && EtcdErrors.IsPermissionDenied(rpc) =>
                $"use the root user or grant its role: etcdctl user grant-role {(settings.User is null ? "USER" : Output.ShellQuote.Quote(settings.User))} root",
            _ when code == ExitCodes.AuthFailed && settings.User is null =>
                "auth is enabled in etcd: set etcd.user (root) and etcd.passwordFile (a 0600 file holding the password)",
            _ when code == ExitCodes.AuthFailed =>
                $"check etcd.user ({settings.User}) and the password in etcd.passwordFile or ETCD_AGENT_PASSWORD",
            _ when message.Contains("TLS", StringComparison.Ordinal) || message.Contains("certificate", StringComparison.OrdinalIgnoreCase) =>
                "set etcd.cacert to the CA that signed etcd's server certificate and etcd.cert/etcd.key to a client pair " +
                "etcd trusts (kubeadm: /etc/kubernetes/pki/etcd/ca.crt, healthcheck-client.crt, healthcheck-client.key)",
            EtcdRpcException r when r.StatusCode == StatusCode.DeadlineExceeded || r.Detail.Contains("timed out", StringComparison.OrdinalIgnoreCase) =>
                $"etcd at {endpoints} did not answer in time: check firewalls and etcd's load, or raise etcd.dialTimeout/etcd.commandTimeout",
            ConfigurationException => "fix the file or setting the message names, then run `etcd-agent config check`",
            _ => $"start etcd or point {EndpointsSetting(settings)} at this node's client URL (etcd's --advertise-client-urls; " +
                 $"http:// vs https:// must match); tried {endpoints}",
        };
        return CheckResult.Failed(message, fix);
    }

    /// <summary>Where the endpoints came from, named so the operator edits the right thing.</summary>
    private static string EndpointsSetting(EtcdConnectionSettings settings) =>
        settings.Source.StartsWith("--", StringComparison.Ordinal) || settings.Source.StartsWith("ETCD", StringComparison.Ordinal)
            ? settings.Source
            : "etcd.endpoints";
}

using EtcdAgent.Etcd;
using EtcdAgent.Protocol.Etcd;
using EtcdAgent.Restore.Topology;

namespace EtcdAgent.Restore;

/// <summary>How the restore reaches etcd: which member the operator's settings name, and clients for the restored one.</summary>
internal static class MemberClients
{
    /// <summary>
    /// The client URLs the operator named (flag, environment or config file), which say which member is meant; the
    /// kubeadm and 127.0.0.1 defaults name nothing.
    /// </summary>
    public static IReadOnlyList<Uri> NamedEndpoints(EtcdConnectionSettings connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return connection.Source == "default" || connection.Source.StartsWith("kubeadm", StringComparison.Ordinal) ? [] : connection.Endpoints;
    }

    /// <summary>
    /// Clients for the restored member: the operator's connection settings, or on kubeadm the member's own CA and
    /// etcd's healthcheck client. The settings are first used when the first client is built, so a rollback (which
    /// builds none) does not depend on them.
    /// </summary>
    public static Func<IReadOnlyList<Uri>, EtcdClient> For(MemberConfig member, RestoreSession session)
    {
        ArgumentNullException.ThrowIfNull(member);
        ArgumentNullException.ThrowIfNull(session);
        return endpoints =>
        {
            var settings = session.Connection.Value;
            if (settings.CaFile is null && member.TrustedCaFile is { } ca && KubeadmDetection.Detect(Path.GetDirectoryName(ca)!) is { } kubeadm)
            {
                settings = settings with { CaFile = kubeadm.CaFile, CertFile = kubeadm.CertFile, KeyFile = kubeadm.KeyFile };
            }

            return EtcdClientFactory.Create(settings with { Endpoints = endpoints }, session.Time, session.Loggers);
        };
    }
}

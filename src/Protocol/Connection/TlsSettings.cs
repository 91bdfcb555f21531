namespace EtcdAgent.Protocol.Connection;

/// <summary>PEM files for TLS to etcd (kubeadm: /etc/kubernetes/pki/etcd/ca.crt and a client pair).</summary>
/// <param name="CaFile">CA bundle that signed the server certificate; null trusts the system store.</param>
/// <param name="CertFile">Client certificate (mTLS); needs <paramref name="KeyFile"/>.</param>
/// <param name="KeyFile">Client private key (PEM, PKCS#8/PKCS#1/EC).</param>
public sealed record TlsSettings(string? CaFile, string? CertFile, string? KeyFile);

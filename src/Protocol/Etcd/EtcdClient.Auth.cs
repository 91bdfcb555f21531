using Etcdserverpb;

namespace EtcdAgent.Protocol.Etcd;

public sealed partial class EtcdClient
{
    /// <summary>
    /// Auth Authenticate with explicit credentials. Normal calls authenticate on their own from the options;
    /// this is for checking credentials (doctor) and for tests.
    /// </summary>
    public Task<AuthenticateResponse> AuthenticateAsync(string name, string password,
        CancellationToken cancellationToken = default) =>
        CallAsync("Auth.Authenticate", idempotent: true,
            (etcd, h, d, ct) => etcd.AuthenticateAsync(new AuthenticateRequest { Name = name, Password = password }, h, d, ct),
            cancellationToken);
}

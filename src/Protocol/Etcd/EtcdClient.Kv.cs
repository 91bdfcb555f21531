using Etcdserverpb;
using Google.Protobuf;

namespace EtcdAgent.Protocol.Etcd;

public sealed partial class EtcdClient
{
    /// <summary>KV Range (idempotent: fails over).</summary>
    public Task<RangeResponse> RangeAsync(RangeRequest request, CancellationToken cancellationToken = default) =>
        CallAsync("KV.Range", idempotent: true, (etcd, h, d, ct) => etcd.GetAsync(request, h, d, ct), cancellationToken);

    /// <summary>KV Range on exactly one member (health checks: is this member part of a working quorum?).</summary>
    public Task<RangeResponse> RangeAsync(Uri endpoint, RangeRequest request, CancellationToken cancellationToken = default) =>
        CallOnEndpointAsync(endpoint, "KV.Range", (etcd, h, d, ct) => etcd.GetAsync(request, h, d, ct), cancellationToken);

    /// <summary>Reads one key (linearizable).</summary>
    public Task<RangeResponse> GetAsync(string key, CancellationToken cancellationToken = default) =>
        RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(key) }, cancellationToken);

    /// <summary>Counts every key in the keyspace (a count-only range from \0 to \0).</summary>
    public async Task<long> CountAllKeysAsync(CancellationToken cancellationToken = default)
    {
        var zero = ByteString.CopyFrom(0);
        var response = await RangeAsync(new RangeRequest { Key = zero, RangeEnd = zero, CountOnly = true },
            cancellationToken).ConfigureAwait(false);
        return response.Count;
    }

    /// <summary>KV Put (not idempotent: only resent when it never left this process).</summary>
    public Task<PutResponse> PutAsync(PutRequest request, CancellationToken cancellationToken = default) =>
        CallAsync("KV.Put", idempotent: false, (etcd, h, d, ct) => etcd.PutAsync(request, h, d, ct), cancellationToken);

    /// <summary>Writes one key.</summary>
    public Task<PutResponse> PutAsync(string key, string value, CancellationToken cancellationToken = default) =>
        PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFromUtf8(value) },
            cancellationToken);

    /// <summary>KV DeleteRange (not idempotent).</summary>
    public Task<DeleteRangeResponse> DeleteRangeAsync(DeleteRangeRequest request, CancellationToken cancellationToken = default) =>
        CallAsync("KV.DeleteRange", idempotent: false, (etcd, h, d, ct) => etcd.DeleteAsync(request, h, d, ct), cancellationToken);

    /// <summary>KV Txn (not idempotent).</summary>
    public Task<TxnResponse> TxnAsync(TxnRequest request, CancellationToken cancellationToken = default) =>
        CallAsync("KV.Txn", idempotent: false, (etcd, h, d, ct) => etcd.TransactionAsync(request, h, d, ct), cancellationToken);
}

using EtcdAgent.Protocol.Grpc;
using Etcdserverpb;

namespace EtcdAgent.Protocol.Etcd;

/// <summary>The etcd RPCs etcd-agent uses, with their paths and whether a resend is harmless.</summary>
internal static class EtcdMethods
{
    public static readonly GrpcMethod<RangeRequest, RangeResponse> Range =
        new("/etcdserverpb.KV/Range", RangeResponse.Parser, Idempotent: true);

    public static readonly GrpcMethod<PutRequest, PutResponse> Put =
        new("/etcdserverpb.KV/Put", PutResponse.Parser, Idempotent: false);

    public static readonly GrpcMethod<DeleteRangeRequest, DeleteRangeResponse> DeleteRange =
        new("/etcdserverpb.KV/DeleteRange", DeleteRangeResponse.Parser, Idempotent: false);

    public static readonly GrpcMethod<TxnRequest, TxnResponse> Txn =
        new("/etcdserverpb.KV/Txn", TxnResponse.Parser, Idempotent: false);

    public static readonly GrpcMethod<LeaseGrantRequest, LeaseGrantResponse> LeaseGrant =
        new("/etcdserverpb.Lease/LeaseGrant", LeaseGrantResponse.Parser, Idempotent: false);

    // Revoking twice ends in the same state (the second answers "lease not found").
    public static readonly GrpcMethod<LeaseRevokeRequest, LeaseRevokeResponse> LeaseRevoke =
        new("/etcdserverpb.Lease/LeaseRevoke", LeaseRevokeResponse.Parser, Idempotent: true);

    public static readonly GrpcMethod<LeaseKeepAliveRequest, LeaseKeepAliveResponse> LeaseKeepAlive =
        new("/etcdserverpb.Lease/LeaseKeepAlive", LeaseKeepAliveResponse.Parser, Idempotent: true);

    public static readonly GrpcMethod<LeaseTimeToLiveRequest, LeaseTimeToLiveResponse> LeaseTimeToLive =
        new("/etcdserverpb.Lease/LeaseTimeToLive", LeaseTimeToLiveResponse.Parser, Idempotent: true);

    public static readonly GrpcMethod<MemberListRequest, MemberListResponse> MemberList =
        new("/etcdserverpb.Cluster/MemberList", MemberListResponse.Parser, Idempotent: true);

    // Alarm GET is a read; ACTIVATE/DEACTIVATE set a state, so repeating them is harmless too.
    public static readonly GrpcMethod<AlarmRequest, AlarmResponse> Alarm =
        new("/etcdserverpb.Maintenance/Alarm", AlarmResponse.Parser, Idempotent: true);

    public static readonly GrpcMethod<StatusRequest, StatusResponse> Status =
        new("/etcdserverpb.Maintenance/Status", StatusResponse.Parser, Idempotent: true);

    public static readonly GrpcMethod<DefragmentRequest, DefragmentResponse> Defragment =
        new("/etcdserverpb.Maintenance/Defragment", DefragmentResponse.Parser, Idempotent: true);

    public static readonly GrpcMethod<HashKVRequest, HashKVResponse> HashKV =
        new("/etcdserverpb.Maintenance/HashKV", HashKVResponse.Parser, Idempotent: true);

    public static readonly GrpcMethod<SnapshotRequest, SnapshotResponse> Snapshot =
        new("/etcdserverpb.Maintenance/Snapshot", SnapshotResponse.Parser, Idempotent: true);

    public static readonly GrpcMethod<AuthenticateRequest, AuthenticateResponse> Authenticate =
        new("/etcdserverpb.Auth/Authenticate", AuthenticateResponse.Parser, Idempotent: true);
}

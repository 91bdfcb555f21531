using EtcdAgent.UnitTests.Protocol.Etcd;
using Etcdserverpb;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace EtcdAgent.UnitTests.Agent.Snapshots;

/// <summary>
/// An etcd stand-in for backups: Status (member 7 of cluster 9 at revision 73), Alarm (none raised), MemberList, and
/// Snapshot streaming the given bytes in 32 KiB blobs. <c>refuse</c> names a method that answers UNAVAILABLE instead
/// (any method it does not know answers UNIMPLEMENTED); with <c>cutSnapshot</c> the snapshot stream breaks after its
/// first blob.
/// </summary>
internal static class FakeEtcd
{
    public static Task<TestGrpcServer> StartAsync(byte[] snapshot, string? refuse = null, bool cutSnapshot = false) => TestGrpcServer.StartAsync(async ctx =>
    {
        var path = ctx.Request.Path.Value!;
        var method = path[(path.LastIndexOf('/') + 1)..];
        if (method == refuse)
        {
            Fail(ctx, 14, $"{method} refused by the test");
            return;
        }

        switch (method)
        {
            case "Status":
                await TestGrpcServer.RespondAsync(ctx, new StatusResponse { Header = new ResponseHeader { MemberId = 7, ClusterId = 9, Revision = 73 }, Version = "3.4.23", RaftIndex = 80, RaftTerm = 2 });
                break;
            case "Alarm":
                await TestGrpcServer.RespondAsync(ctx, new AlarmResponse { Header = new ResponseHeader() });
                break;
            case "MemberList":
                var member = new Member { ID = 7, Name = "m1" };
                member.PeerURLs.Add("http://127.0.0.1:2380");
                await TestGrpcServer.RespondAsync(ctx, new MemberListResponse { Header = new ResponseHeader(), Members = { member } });
                break;
            case "Snapshot" when cutSnapshot:
                TestGrpcServer.StartGrpcResponse(ctx.Response);
                await ctx.Response.Body.WriteAsync(TestGrpcServer.Frame(Blobs(snapshot)[0]));
                await ctx.Response.Body.FlushAsync();
                ctx.Response.AppendTrailer("grpc-status", "14");
                ctx.Response.AppendTrailer("grpc-message", "the test cut the snapshot stream");
                break;
            case "Snapshot":
                await TestGrpcServer.RespondAsync(ctx, Blobs(snapshot));
                break;
            default:
                Fail(ctx, 12, $"{method} is not served by the fake etcd");
                break;
        }
    });

    private static IMessage[] Blobs(byte[] snapshot)
    {
        var data = snapshot.Length - 32;
        var messages = new List<SnapshotResponse>();
        for (var offset = 0; offset < snapshot.Length; offset += 32 * 1024)
        {
            var n = Math.Min(32 * 1024, snapshot.Length - offset);
            messages.Add(new SnapshotResponse { RemainingBytes = (ulong)(snapshot.Length - offset - n), Blob = ByteString.CopyFrom(snapshot, offset, n) });
        }

        // etcd announces the db size in the first message's remaining_bytes (total - first blob).
        messages[0].RemainingBytes = (ulong)(data - messages[0].Blob.Length);
        return [.. messages];
    }

    /// <summary>A trailers-only gRPC error, as etcd sends for a refused call.</summary>
    private static void Fail(HttpContext ctx, int status, string message)
    {
        TestGrpcServer.StartGrpcResponse(ctx.Response);
        ctx.Response.Headers["grpc-status"] = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        ctx.Response.Headers["grpc-message"] = message;
    }
}

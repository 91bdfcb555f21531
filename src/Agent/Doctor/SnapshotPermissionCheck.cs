using EtcdAgent.Output;
using EtcdAgent.Protocol.Etcd;

namespace EtcdAgent.Doctor;

/// <summary>
/// Starts a real snapshot stream and cancels it after the first chunk: with auth on, Snapshot needs the root role,
/// and only etcd can say whether the configured user has it.
/// </summary>
internal sealed class SnapshotPermissionCheck : IDoctorCheck
{
    public string Name => "permission to snapshot";

    public async Task<CheckResult> RunAsync(DoctorContext context, CancellationToken cancellationToken)
    {
        if (context is not { Client: { } client, Settings: { } settings })
        {
            return CheckResult.Skipped("etcd is not reachable");
        }

        // Snapshot streams have no deadline of their own; the first chunk comes as fast as any other answer.
        using var deadline = new CancellationTokenSource(settings.CommandTimeout, context.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var endpoint = settings.Endpoints[0];
        long announced = 0;
        try
        {
            var chunks = client.SnapshotChunksAsync(endpoint, linked.Token).GetAsyncEnumerator(linked.Token);
            try
            {
                if (await chunks.MoveNextAsync().ConfigureAwait(false))
                {
                    announced = (long)chunks.Current.RemainingBytes + chunks.Current.Blob.Length;
                }
            }
            finally
            {
                // Cancel before disposing so etcd stops sending the rest of the database at once.
                await linked.CancelAsync().ConfigureAwait(false);
                await DisposeQuietlyAsync(chunks).ConfigureAwait(false);
            }
        }
        catch (EtcdRpcException ex)
        {
            return EtcdFailureFix.Explain(ex, settings);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return CheckResult.Failed($"etcd at {endpoint} sent no snapshot data within {settings.CommandTimeout.TotalSeconds:0.#}s",
                "look at etcd's log and disk latency; raise etcd.commandTimeout if the member is just slow");
        }

        var who = settings.User is null ? "without authentication" : $"as user {settings.User}";
        return CheckResult.Passed($"etcd started a {ByteSize.Format(announced)} snapshot {who} (cancelled after the first chunk)");
    }

    private static async Task DisposeQuietlyAsync(IAsyncEnumerator<Protocol.Etcd.SnapshotChunk> chunks)
    {
        try
        {
            await chunks.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or EtcdRpcException)
        {
            // We cancelled the stream on purpose; how the transport reports that does not matter.
        }
    }
}

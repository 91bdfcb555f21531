using System.Text.Json;
using EtcdAgent.Protocol.Etcd;
using Google.Protobuf;

namespace EtcdAgent.Coordination;

/// <summary>
/// <c>/etcd-agent/&lt;cluster&gt;/last-backup</c>: the id and revision of the newest full backup, put by whichever agent
/// stored it, so the continuous writer (maybe on another node) learns within one poll that a new chain should start —
/// one key read instead of listing the store. Only a hint: the writer loads the backup's manifest from the store and
/// trusts that, so a key edited by someone else can at worst make it look.
/// </summary>
internal static class BackupAnnouncement
{
    private const int MaxValueBytes = 1024;

    public static string Key(string cluster) => $"/etcd-agent/{cluster}/last-backup";

    public static Task PublishAsync(EtcdClient client, string cluster, string id, long revision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var value = JsonSerializer.SerializeToUtf8Bytes(new AnnouncedBackup(id, revision), AnnouncementJsonContext.Default.AnnouncedBackup);
        return client.PutAsync(new Etcdserverpb.PutRequest { Key = ByteString.CopyFromUtf8(Key(cluster)), Value = ByteString.CopyFrom(value) }, cancellationToken);
    }

    /// <summary>The announced backup (null when none or unreadable) and the member's current revision.</summary>
    public static async Task<(AnnouncedBackup? Backup, long HeadRevision)> ReadAsync(EtcdClient client, string cluster, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var response = await client.GetAsync(Key(cluster), cancellationToken).ConfigureAwait(false);
        var kv = response.Kvs.FirstOrDefault();
        return (kv is null ? null : Parse(kv.Value), response.Header?.Revision ?? 0);
    }

    private static AnnouncedBackup? Parse(ByteString value)
    {
        if (value.Length > MaxValueBytes)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(value.Span, AnnouncementJsonContext.Default.AnnouncedBackup) is { Id.Length: > 0 } backup ? backup : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>A backup as announced in etcd.</summary>
internal sealed record AnnouncedBackup(string Id, long Revision);

[System.Text.Json.Serialization.JsonSerializable(typeof(AnnouncedBackup))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class AnnouncementJsonContext : System.Text.Json.Serialization.JsonSerializerContext;

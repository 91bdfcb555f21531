namespace EtcdAgent.Configuration.Sources;

/// <summary>
/// The --store flag (DIR or s3://BUCKET/PREFIX) as configuration values that override the file's and the
/// environment's store.type, store.local.path, store.s3.bucket and store.s3.prefix; the rest of the S3 settings
/// (endpoint, credentials, ...) still come from the file or ETCD_AGENT_STORE__S3__*.
/// </summary>
internal static class StoreFlag
{
    /// <summary>The name errors about these values cite instead of a file line.</summary>
    public const string Name = "--store";

    public static Dictionary<string, string?> Values(string store)
    {
        if (store.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
        {
            var rest = store[5..].Trim('/');
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            var bucket = slash < 0 ? rest : rest[..slash];
            if (bucket.Length == 0)
            {
                throw new ConfigurationException($"--store {store}: no bucket; use s3://BUCKET or s3://BUCKET/PREFIX");
            }

            return new(StringComparer.OrdinalIgnoreCase)
            {
                ["store:type"] = "s3",
                ["store:s3:bucket"] = bucket,
                ["store:s3:prefix"] = slash < 0 ? string.Empty : rest[(slash + 1)..],
            };
        }

        if (!Path.IsPathFullyQualified(store) && !store.StartsWith('.'))
        {
            throw new ConfigurationException($"--store {store}: give an absolute directory path or s3://BUCKET/PREFIX");
        }

        return new(StringComparer.OrdinalIgnoreCase)
        {
            ["store:type"] = "local",
            ["store:local:path"] = Path.GetFullPath(store),
        };
    }
}

using Amazon.Runtime;
using EtcdAgent.Configuration;

namespace EtcdAgent.Storage.S3;

/// <summary>
/// Reads one profile of an AWS shared-credentials file (INI: aws_access_key_id, aws_secret_access_key, optional
/// aws_session_token) after checking it is private. Hand-read rather than through the SDK's profile machinery so
/// that a world-readable file is refused before a secret is used, and so the trimmed binary needs no reflection.
/// </summary>
internal static class SharedCredentialsFile
{
    public static AWSCredentials Read(string path, string profile)
    {
        SecretFiles.EnsurePrivate(path, "S3 credentials file");
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"cannot read S3 credentials file {path}: {ex.Message}", ex);
        }

        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? section = null;
        var found = false;
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[' && line[^1] == ']')
            {
                section = line[1..^1].Trim();
                if (section.StartsWith("profile ", StringComparison.Ordinal))
                {
                    section = section["profile ".Length..].Trim();
                }

                found |= section == profile;
                continue;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (section == profile && eq > 0)
            {
                values[line[..eq].Trim()] = line[(eq + 1)..].Trim();
            }
        }

        if (!found)
        {
            throw new ConfigurationException($"S3 credentials file {path} has no [{profile}] profile; add it or set store.s3.credentials.profile");
        }

        if (!values.TryGetValue("aws_access_key_id", out var accessKey) || !values.TryGetValue("aws_secret_access_key", out var secretKey)
            || accessKey.Length == 0 || secretKey.Length == 0)
        {
            throw new ConfigurationException($"profile [{profile}] in {path} needs both aws_access_key_id and aws_secret_access_key");
        }

        return values.TryGetValue("aws_session_token", out var token) && token.Length > 0
            ? new SessionAWSCredentials(accessKey, secretKey, token)
            : new BasicAWSCredentials(accessKey, secretKey);
    }
}

namespace EtcdAgent.Manifests;

/// <summary>
/// The manifest's <c>bundle</c> object: the control-plane recovery bundle stored beside the snapshot (a PAX tar,
/// compressed and always encrypted). Which node's files it holds (each node's serving certificates differ; the CAs are
/// shared), the stored object and the tar inside it, and every path with its mode and sha256 — never any content.
/// </summary>
internal sealed record BundleInfo(
    string Key,
    string Sha256,
    long Size,
    string RawSha256,
    long RawSize,
    string KeyId,
    string Node,
    IReadOnlyList<BundleFile> Files,
    IReadOnlyList<string> Missing,
    IReadOnlyList<string> Skipped)
{
    /// <summary>More entries than any control plane has: a list this long was not written by etcd-agent.</summary>
    public const int MaxFiles = 100_000;
}

/// <summary>One archived path as the node sees it: its type, mode (4 octal digits), size, sha256 (files) or link target (links).</summary>
internal sealed record BundleFile(string Path, string Type, string Mode, long Size, string? Sha256, string? LinkTarget)
{
    public const string File = "file";
    public const string Directory = "directory";
    public const string Symlink = "symlink";
}

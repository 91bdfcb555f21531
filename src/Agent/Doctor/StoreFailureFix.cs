using EtcdAgent.Configuration;
using EtcdAgent.Storage;

namespace EtcdAgent.Doctor;

/// <summary>A store failure as a doctor line: the store's own message and a fix by kind of fault and store.</summary>
internal static class StoreFailureFix
{
    public static CheckResult Explain(Exception ex, StoreOptions store)
    {
        var s3 = store.Kind == StoreKind.S3;
        var fix = ex switch
        {
            StoreException { Fault: StoreFault.NotFound } when s3 => $"create the bucket {store.S3!.Bucket} or fix store.s3.bucket",
            StoreException { Fault: StoreFault.NotFound } => $"create the directory (mkdir -m 700 {Output.ShellQuote.Quote(store.LocalPath ?? string.Empty)}) or fix store.local.path",
            StoreException { Fault: StoreFault.Denied } when s3 =>
                "check store.s3.credentials and that they allow s3:ListBucket, PutObject, GetObject, DeleteObject and multipart uploads on the bucket",
            StoreException { Fault: StoreFault.Denied } => $"run the agent as a user that can write, read and delete in {store.LocalPath}",
            StoreException { Fault: StoreFault.Unavailable } when s3 =>
                "check store.s3.endpoint (scheme, host, port), DNS, proxies and firewalls, and store.s3.caBundle for a private CA",
            ConfigurationException => "fix the file or setting the message names, then run `etcd-agent config check`",
            _ when s3 => "see the store's message; S3-compatible stores (MinIO, Ceph, s3rver) often need store.s3.pathStyle: true",
            _ => $"check the filesystem of {store.LocalPath} (mounted, writable, not full)",
        };
        return CheckResult.Failed(ex.Message, fix);
    }
}

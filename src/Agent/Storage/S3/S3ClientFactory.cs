using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Amazon.Runtime;
using Amazon.S3;
using EtcdAgent.Configuration;

namespace EtcdAgent.Storage.S3;

/// <summary>
/// Builds the SDK client from <see cref="S3Options"/>: endpoint and path style for S3-compatible stores, the
/// checksum mode some of them need (aws/aws-sdk-net#3610), credentials from a file, the environment or the SDK's
/// default chain, and an extra CA bundle for a private endpoint.
/// </summary>
internal static class S3ClientFactory
{
    public static AmazonS3Client Create(S3Options options, Func<HttpMessageHandler, HttpMessageHandler>? wrapHandler = null)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.PathStyle,
            AuthenticationRegion = options.Region,
            RequestChecksumCalculation = options.ChecksumWhenRequired ? RequestChecksumCalculation.WHEN_REQUIRED : RequestChecksumCalculation.WHEN_SUPPORTED,
            ResponseChecksumValidation = options.ChecksumWhenRequired ? ResponseChecksumValidation.WHEN_REQUIRED : ResponseChecksumValidation.WHEN_SUPPORTED,
            MaxErrorRetry = 2,
            Timeout = TimeSpan.FromMinutes(5),

            // One HttpClient (connection pool) per client, not the SDK's process-wide cache: Ceph RGW answers a PUT to a
            // missing bucket before reading its body, and the next request on that kept-alive connection can come back
            // as a bare 400. A store instance (doctor's probe, a second store in one process) must not inherit such a
            // connection from another one.
            CacheHttpClient = false,
        };
        if (options.Endpoint is { } endpoint)
        {
            config.ServiceURL = endpoint.ToString();
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        }

        if (options.CaBundle is not null || wrapHandler is not null)
        {
            config.HttpClientFactory = new HandlerFactory(options.CaBundle, wrapHandler);
        }

        return options.Credentials switch
        {
            CredentialSource.File => new AmazonS3Client(SharedCredentialsFile.Read(options.CredentialsFile!, options.CredentialsProfile), config),
            CredentialSource.Environment => new AmazonS3Client(EnvironmentCredentials(), config),
            _ => new AmazonS3Client(config),
        };
    }

    private static EnvironmentVariablesAWSCredentials EnvironmentCredentials()
    {
        try
        {
            return new EnvironmentVariablesAWSCredentials();
        }
        catch (InvalidOperationException ex)
        {
            throw new ConfigurationException(
                "store.s3.credentials.source is environment but AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are not set", ex);
        }
    }

    /// <summary>HttpClients with our handler: a private CA trusted in addition to the system's, test recording.</summary>
    private sealed class HandlerFactory(string? caBundle, Func<HttpMessageHandler, HttpMessageHandler>? wrap) : HttpClientFactory
    {
        private readonly string _id = "etcd-agent:" + Guid.NewGuid().ToString("N");

        public override HttpClient CreateHttpClient(IClientConfig clientConfig)
        {
            var handler = new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                ConnectTimeout = TimeSpan.FromSeconds(10),
            };
            if (caBundle is not null)
            {
                var extra = new X509Certificate2Collection();
                extra.ImportFromPemFile(caBundle);
                handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                    errors == SslPolicyErrors.None || (errors == SslPolicyErrors.RemoteCertificateChainErrors && ChainsTo(certificate, extra));
            }

            return new HttpClient(wrap is null ? handler : wrap(handler)) { Timeout = Timeout.InfiniteTimeSpan };
        }

        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => true;

        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

        // The SDK caches HttpClients by this string process-wide: each factory (CA bundle, wrapper) gets its own.
        public override string GetConfigUniqueString(IClientConfig clientConfig) => _id;

        private static bool ChainsTo(X509Certificate? certificate, X509Certificate2Collection roots)
        {
            if (certificate is null)
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var leaf = new X509Certificate2(certificate);
            return chain.Build(leaf);
        }
    }
}

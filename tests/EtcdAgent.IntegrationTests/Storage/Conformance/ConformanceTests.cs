using Xunit;
using Xunit.Abstractions;

namespace EtcdAgent.IntegrationTests.Storage.Conformance;

/// <summary>The store conformance suite against s3rver 3.7.1.</summary>
public sealed class S3rverConformanceTests(S3rverStoreServer server, ITestOutputHelper output)
    : StoreConformance<S3rverStoreServer>(server, output), IClassFixture<S3rverStoreServer>;

/// <summary>The store conformance suite against Ceph RGW 16.</summary>
[Collection(Fixtures.CephRgwFixture.Collection)]
public sealed class CephRgwConformanceTests(Fixtures.CephRgwFixture rgw, ITestOutputHelper output)
    : StoreConformance<CephRgwStoreServer>(new CephRgwStoreServer(rgw.Rgw), output);

/// <summary>The store conformance suite against the local directory store.</summary>
public sealed class LocalDirectoryConformanceTests(LocalDirectoryStoreServer server, ITestOutputHelper output)
    : StoreConformance<LocalDirectoryStoreServer>(server, output), IClassFixture<LocalDirectoryStoreServer>;

namespace EtcdAgent.IntegrationTests.Fixtures;

/// <summary>The shipped binary (`make publish`: trimmed, single file), found from the test directory.</summary>
public static class PublishedBinary
{
    public static string Path
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "EtcdAgent.sln")))
                {
                    var path = System.IO.Path.Combine(dir.FullName, "artifacts", "publish", "etcd-agent");
                    return File.Exists(path) ? path : throw new InvalidOperationException($"{path} is missing: run `make publish` (make test does it first)");
                }
            }

            throw new InvalidOperationException("EtcdAgent.sln not found above the test directory");
        }
    }
}
